// ipMasqBackend as the reference accepts it (v1.6.0+): "iptables" or "nftables"; unset picks the default.
import { invalidConfig } from "../cni/errors.ts";
import { optString, type Raw } from "./fields.ts";

/** tscni always writes masquerade rules with nftables; "iptables" is accepted for config compatibility
 * (and DEL then also removes the reference's iptables chain, so an in-place upgrade leaks nothing). */
export type MasqBackend = "nftables" | "iptables";

export function parseMasqBackend(raw: Raw): MasqBackend {
  const v = optString(raw, "ipMasqBackend");
  if (v === "" || v === "nftables") return "nftables";
  if (v === "iptables") return "iptables";
  throw invalidConfig(`invalid ipMasqBackend ${JSON.stringify(v)} (must be "iptables" or "nftables")`);
}
