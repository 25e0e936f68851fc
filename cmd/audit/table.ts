// The readable report of `tscni audit`. Pure.
import type { Finding } from "./findings.ts";

/** Left-aligned columns; a RESULT column with --fix; "no findings" when the node is clean. */
export function formatFindings(findings: readonly Finding[], fix: boolean): string {
  if (findings.length === 0) return "no findings\n";
  const head = ["KIND", "NETWORK", "CONTAINER", "IFNAME", "OBJECT", "DETAIL", ...(fix ? ["RESULT"] : [])];
  const rows = findings.map((f) => [f.kind, f.network, f.containerId.slice(0, 12), f.ifName, f.object, f.detail,
    ...(fix ? [f.fixed ? "fixed" : `failed: ${f.error ?? "not fixable"}`] : [])].map((c) => c || "-"));
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}
