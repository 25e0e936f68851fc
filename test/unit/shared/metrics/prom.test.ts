import { describe, expect, it } from "vitest";
import { addSample, BUCKETS, emptyState, formatMetrics, parseMetrics, type InvocationSample } from "../../../../shared/metrics/prom.ts";

const s = (over: Partial<InvocationSample> = {}): InvocationSample => ({ plugin: "bridge", verb: "ADD", code: 0, seconds: 0.02, ...over });

function stateOf(samples: InvocationSample[]) {
  const st = emptyState();
  for (const x of samples) addSample(st, x);
  return st;
}

describe("metrics text", () => {
  it("format: HELP/TYPE once per family, sorted series, cumulative buckets, +Inf = count, sum", () => {
    const text = formatMetrics(stateOf([s(), s({ seconds: 0.3 }), s({ verb: "DEL", code: 11, seconds: 2 }), s({ plugin: "portmap", seconds: 0.004 })]));
    const lines = text.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("# TYPE"))).toEqual([
      "# TYPE tscni_cni_calls_total counter",
      "# TYPE tscni_cni_errors_total counter",
      "# TYPE tscni_cni_duration_seconds histogram",
    ]);
    expect(lines.filter((l) => l.startsWith("tscni_cni_calls_total"))).toEqual([
      'tscni_cni_calls_total{plugin="bridge",verb="ADD",code="0"} 2',
      'tscni_cni_calls_total{plugin="bridge",verb="DEL",code="11"} 1',
      'tscni_cni_calls_total{plugin="portmap",verb="ADD",code="0"} 1',
    ]);
    expect(lines.filter((l) => l.startsWith("tscni_cni_errors_total"))).toEqual(['tscni_cni_errors_total{plugin="bridge",verb="DEL",code="11"} 1']);
    const bucket = (le: string) => lines.find((l) => l.startsWith(`tscni_cni_duration_seconds_bucket{plugin="bridge",verb="ADD",le="${le}"}`))!.split(" ")[1];
    expect([bucket("0.01"), bucket("0.025"), bucket("0.25"), bucket("0.5"), bucket("+Inf")]).toEqual(["0", "1", "1", "2", "2"]);
    expect(lines).toContain('tscni_cni_duration_seconds_sum{plugin="bridge",verb="ADD"} 0.32');
    expect(lines).toContain('tscni_cni_duration_seconds_count{plugin="bridge",verb="ADD"} 2');
    expect(lines.filter((l) => l.includes('verb="ADD",le=')).length).toBe(2 * (BUCKETS.length + 1));
  });

  it("parse(format(x)) keeps every series; one more sample adds to them", () => {
    const st = stateOf([s(), s({ verb: "CHECK", code: 999 })]);
    const again = parseMetrics(formatMetrics(st));
    expect(formatMetrics(again)).toBe(formatMetrics(st));
    addSample(again, s());
    expect(formatMetrics(again)).toContain('tscni_cni_calls_total{plugin="bridge",verb="ADD",code="0"} 2');
    expect(formatMetrics(again)).toContain('tscni_cni_duration_seconds_count{plugin="bridge",verb="ADD"} 2');
  });

  it("parse: foreign series, comments, garbage, negative or fractional counts -> dropped", () => {
    const st = parseMetrics([
      "# HELP x y",
      'node_foo{plugin="a",verb="ADD",code="0"} 5',
      'tscni_cni_calls_total{plugin="a",verb="ADD",code="0"} -1',
      'tscni_cni_calls_total{plugin="a",verb="ADD",code="0"} 1.5',
      'tscni_cni_calls_total{plugin="a",verb="ADD"} 3',
      "tscni_cni_calls_total 7",
      "garbage",
      'tscni_cni_calls_total{plugin="b\\"q",verb="DEL",code="0"} 4',
    ].join("\n"));
    expect(formatMetrics(st)).toBe(
      "# HELP tscni_cni_calls_total CNI plugin invocations by plugin, verb and result code (0 = success).\n" +
      "# TYPE tscni_cni_calls_total counter\n" +
      'tscni_cni_calls_total{plugin="b\\"q",verb="DEL",code="0"} 4\n',
    );
  });

  it("nothing recorded -> empty text", () => {
    expect(formatMetrics(emptyState())).toBe("");
  });
});
