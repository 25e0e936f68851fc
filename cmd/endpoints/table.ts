// The readable table of `tscni endpoints`. Pure.
import { familyOf } from "../../shared/ip/index.ts";
import type { Endpoint, PortMappingView, ShapingView } from "./model.ts";

const COLUMNS = ["NETWORK", "CONTAINER", "IFNAME", "IPS", "HOST-IF", "PORTS", "SHAPING", "PLUGINS", "SOURCE"] as const;
/** container IDs are shown cut to this many characters, like crictl and docker (--json has them whole) */
const SHORT_ID = 12;

/** bits/s as tc prints rates: 8000000 -> 8Mbit */
export function formatRate(bits: number): string {
  for (const [unit, scale] of [["Gbit", 1e9], ["Mbit", 1e6], ["Kbit", 1e3]] as const) {
    if (bits >= scale) return `${+(bits / scale).toFixed(2)}${unit}`;
  }
  return `${bits}bit`;
}

function port(m: PortMappingView): string {
  const host = !m.hostIP ? "" : familyOf(m.hostIP) === 6 ? `[${m.hostIP}]:` : `${m.hostIP}:`;
  return `${host}${m.hostPort}->${m.containerPort}/${m.protocol}`;
}

function shaping(b: ShapingView | undefined): string {
  const parts: string[] = [];
  if (b?.ingressRate) parts.push(`in ${formatRate(b.ingressRate)}`);
  if (b?.egressRate) parts.push(`out ${formatRate(b.egressRate)}`);
  return parts.join(" ");
}

/** "bridge(host-local),portmap,bandwidth" */
function chain(e: Endpoint): string {
  if (e.plugins.length === 0) return e.ipam ? `(${e.ipam})` : "";
  return e.plugins.map((p, i) => (i === 0 && e.ipam ? `${p}(${e.ipam})` : p)).join(",");
}

function source(e: Endpoint): string {
  return e.sources.map((s) => (s === "host-local" ? "ipam" : s)).join("+");
}

function row(e: Endpoint): string[] {
  return [
    e.network,
    e.containerId.slice(0, SHORT_ID),
    e.ifName,
    (e.ips.length > 0 ? e.ips : e.allocations).join(","),
    e.hostInterface,
    e.portMappings.map(port).join(","),
    shaping(e.bandwidth),
    chain(e),
    source(e),
  ].map((c) => c || "-");
}

/** Left-aligned columns, two spaces apart, no trailing blanks. */
export function formatTable(endpoints: readonly Endpoint[]): string {
  const rows = [[...COLUMNS], ...endpoints.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}
