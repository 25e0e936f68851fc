// firewall configuration (reference plugins/meta/firewall/firewall.go FirewallNetConf and
// ingresspolicy.go). Pure: no Bun APIs, no kernel access.
//   backend                 "" / "iptables" / anything else = tscni's own choice (nftables, or the iptables
//                           filter table where its FORWARD chain exists); "firewalld" is refused (error 7):
//                           tscni has no D-Bus client (README "Where tscni differs")
//   iptablesAdminChainName  the operator's override chain, jumped to first (default CNI-ADMIN)
//   firewalldZone           firewalld only: read (must be a string), otherwise unused
//   ingressPolicy           "" / "open" (nothing), "same-bridge", "isolated"
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader } from "../../../shared/cni/reader.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { familyOf } from "../../../shared/ip/index.ts";

type IngressPolicy = "open" | "same-bridge" | "isolated";

export interface FirewallConfig {
  readonly name: string;
  /** As configured ("" when absent). */
  readonly backend: string;
  readonly adminChain: string;
  readonly firewalldZone: string;
  readonly ingressPolicy: IngressPolicy;
}

const CHAIN = /^[A-Za-z][A-Za-z0-9_.\-]*$/;

function readAdminChain(r: ConfigReader): string {
  const v = r.str("iptablesAdminChainName");
  if (v === "") return "CNI-ADMIN";
  if (v.length > 28 || !CHAIN.test(v)) r.fail("iptablesAdminChainName", `invalid chain name ${JSON.stringify(v)} (letters, digits, "_.-", at most 28 characters)`);
  return v;
}

function readIngressPolicy(r: ConfigReader, strict: boolean): IngressPolicy {
  const v = r.str("ingressPolicy");
  if (v === "" || v === "open") return "open";
  if (v === "same-bridge" || v === "isolated") return v;
  if (strict) throw invalidConfig(`unknown ingress policy: ${JSON.stringify(v)}`);
  return "open";
}

/**
 * `strict` (ADD, CHECK): every key must be usable. DEL passes false: an unknown ingressPolicy or the
 * firewalld backend never stops a DEL (ingress rules are never removed by DEL anyway).
 */
export function parseConfig(conf: NetConf, strict = true): FirewallConfig {
  const r = ConfigReader.of(conf.raw);
  const backend = r.str("backend");
  if (strict && backend === "firewalld") {
    throw invalidConfig('backend "firewalld" is not supported by tscni: use "" or "iptables" (firewalld needs the D-Bus client tscni does not have)');
  }
  return Object.freeze({
    name: conf.name,
    backend,
    adminChain: readAdminChain(r),
    firewalldZone: r.str("firewalldZone") || "trusted",
    ingressPolicy: readIngressPolicy(r, strict),
  });
}

/** Every address of prevResult, without its prefix (the reference allows each of them, whatever the interface). */
export function resultIPs(prev: Result | undefined): string[] {
  return (prev?.ips ?? []).map((i) => i.address.split("/")[0]!);
}

/** The families of those addresses. */
export function resultFamilies(prev: Result | undefined): ("ip" | "ip6")[] {
  const f = new Set(resultIPs(prev).map((a) => familyOf(a)));
  return ([[4, "ip"], [6, "ip6"]] as const).filter(([n]) => f.has(n)).map(([, name]) => name);
}
