// ipMasqBackend as the reference accepts it (v1.6.0+): "iptables" or "nftables"; unset picks the default.
// Pure: bridge's and ptp's config.ts read it.
import type { ConfigReader } from "../../../shared/cni/reader.ts";

/** tscni always writes masquerade rules with nftables; "iptables" is accepted for config compatibility
 * (and DEL then also removes the reference's iptables chain, so an in-place upgrade leaks nothing). */
export type MasqBackend = "nftables" | "iptables";

export function readMasqBackend(r: ConfigReader): MasqBackend {
  const v = r.str("ipMasqBackend");
  if (v === "" || v === "nftables") return "nftables";
  if (v === "iptables") return "iptables";
  return r.fail("ipMasqBackend", `invalid value ${JSON.stringify(v)} (must be "iptables" or "nftables")`);
}
