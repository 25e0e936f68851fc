// tap's `selinuxContext`, decided honestly. The reference sets it as the exec label and then runs
// `ip tuntap add`, so the tun driver records that label as the tap's (the kernel takes the label of
// the task creating it). tscni creates the tap in-process through /dev/net/tun and executes nothing,
// so no label can be applied without changing the plugin's own SELinux context (a dynamic transition
// no sane policy grants a CNI plugin). Hence, by the node's SELinux state (selinuxfs, injectable root):
//   enforcing  -> ADD refuses with code 2 (unsupported field), naming the key and value: a tap with
//                 the wrong label would be created and then refused to the VM that needs it;
//   permissive -> created with the plugin's own label, a note on stderr (nothing is enforced, but
//                 the label is wrong should the node switch to enforcing);
//   no SELinux -> there is nothing to label: created, a note on stderr.
// No Bun API.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { unsupportedField } from "../../../shared/cni/errors.ts";

type SelinuxState = "enforcing" | "permissive" | "disabled";

/** SELinux on this node, from <sysfs>/fs/selinux/enforce ("1"/"0"; absent = no SELinux). */
export function selinuxState(sysfsRoot: string): SelinuxState {
  let text: string;
  try {
    text = readFileSync(join(sysfsRoot, "fs/selinux/enforce"), "utf8");
  } catch {
    return "disabled";
  }
  return text.trim() === "1" ? "enforcing" : "permissive";
}

/** Throws code 2 where the label matters and cannot be applied; returns the note to log otherwise. */
export function checkSelinuxContext(context: string, state: SelinuxState): string | undefined {
  if (!context) return undefined;
  const what = `selinuxContext ${JSON.stringify(context)}`;
  if (state === "enforcing") {
    throw unsupportedField(`${what}: not supported on an SELinux-enforcing node: tscni creates the tap in-process and executes no program that could carry the label`);
  }
  if (state === "permissive") return `${what} not applied (SELinux permissive): the tap carries the plugin's own label`;
  return `${what} ignored: SELinux is not enabled on this node`;
}
