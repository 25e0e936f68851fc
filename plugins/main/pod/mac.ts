// The pod interface's MAC as macvlan and tap read it (the reference's loadConf of both): the `mac` key,
// replaced by CNI_ARGS `MAC`, replaced by `runtimeConfig.mac` (capability `mac`). Pure.
import { loadArgs, type ArgPair } from "../../../shared/cni/args.ts";
import { parseMac, type ConfigReader } from "../../../shared/cni/reader.ts";

interface MacSources {
  cniArgs: readonly ArgPair[];
  ignoreUnknownArgs: boolean;
}

/** The MAC in canonical form (error 7 naming its source when invalid); undefined = kernel-chosen. */
export function readPodMac(r: ConfigReader, input: MacSources): string | undefined {
  const fromArgs = loadArgs(input.cniArgs, { MAC: (v: string) => v }, input.ignoreUnknownArgs).MAC;
  const fromRuntime = r.childOrEmpty("runtimeConfig").str("mac");
  const text = fromRuntime || fromArgs || r.str("mac");
  if (!text) return undefined;
  const where = fromRuntime ? "runtimeConfig.mac" : fromArgs ? "CNI_ARGS MAC" : "mac";
  return parseMac(text, where);
}
