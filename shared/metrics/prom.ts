// tscni's invocation metrics in the Prometheus text exposition format (0.0.4), as a node-exporter
// textfile collector reads them: calls and errors by plugin, verb and CNI code, and a latency
// histogram by plugin and verb. The file is the state: each invocation parses it (only our own
// series; anything else is dropped), adds itself and writes it again (shared/metrics/file.ts). Pure.

/** One finished plugin invocation. */
export interface InvocationSample {
  readonly plugin: string;
  /** ADD, DEL, CHECK, GC, STATUS, VERSION */
  readonly verb: string;
  /** 0 for success, else the CNI error code printed */
  readonly code: number;
  /** from process start to the result written */
  readonly seconds: number;
}

/** Histogram upper bounds in seconds (a plugin call takes ~5 ms to seconds). */
export const BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const CALLS = "tscni_cni_calls_total";
const ERRORS = "tscni_cni_errors_total";
const DURATION = "tscni_cni_duration_seconds";

interface Histogram {
  /** cumulative counts per BUCKETS entry, then +Inf */
  buckets: number[];
  sum: number;
  count: number;
}

interface MetricsState {
  /** key plugin\0verb\0code */
  readonly calls: Map<string, number>;
  readonly errors: Map<string, number>;
  /** key plugin\0verb */
  readonly durations: Map<string, Histogram>;
}

const SEP = "\u0000";
const emptyHistogram = (): Histogram => ({ buckets: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0, count: 0 });
export const emptyState = (): MetricsState => ({ calls: new Map(), errors: new Map(), durations: new Map() });

// name{labels} value   (no timestamps: we never write them)
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g;

function unescape(v: string): string {
  return v.replace(/\\([\\"n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelsOf(text: string): Map<string, string> {
  return new Map([...text.matchAll(LABEL)].map((m) => [m[1]!, unescape(m[2]!)]));
}

const isCount = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;

function readLine(state: MetricsState, name: string, labels: Map<string, string>, value: number): void {
  const plugin = labels.get("plugin");
  const verb = labels.get("verb");
  if (plugin === undefined || verb === undefined) return;
  const code = labels.get("code");
  if (name === CALLS && code !== undefined && isCount(value)) state.calls.set([plugin, verb, code].join(SEP), value);
  else if (name === ERRORS && code !== undefined && isCount(value)) state.errors.set([plugin, verb, code].join(SEP), value);
  else if (name.startsWith(DURATION)) readHistogramLine(state, name.slice(DURATION.length), [plugin, verb].join(SEP), labels.get("le"), value);
}

function readHistogramLine(state: MetricsState, suffix: string, key: string, le: string | undefined, value: number): void {
  const h = state.durations.get(key) ?? emptyHistogram();
  state.durations.set(key, h);
  if (suffix === "_sum" && Number.isFinite(value) && value >= 0) h.sum = value;
  else if (suffix === "_count" && isCount(value)) h.count = value;
  else if (suffix === "_bucket" && le !== undefined && isCount(value)) {
    const i = le === "+Inf" ? BUCKETS.length : BUCKETS.indexOf(Number(le));
    if (i >= 0) h.buckets[i] = value;
  }
}

/** Our series from a metrics file's text; other lines (comments, foreign series, garbage) are dropped. */
export function parseMetrics(text: string): MetricsState {
  const state = emptyState();
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isNaN(value)) readLine(state, m[1]!, labelsOf(m[2]!), value);
  }
  return state;
}

const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

/** Adds one invocation. */
export function addSample(state: MetricsState, s: InvocationSample): void {
  const code = String(s.code);
  bump(state.calls, [s.plugin, s.verb, code].join(SEP));
  if (s.code !== 0) bump(state.errors, [s.plugin, s.verb, code].join(SEP));
  const key = [s.plugin, s.verb].join(SEP);
  const h = state.durations.get(key) ?? emptyHistogram();
  state.durations.set(key, h);
  BUCKETS.forEach((le, i) => {
    if (s.seconds <= le) h.buckets[i]!++;
  });
  h.buckets[BUCKETS.length]!++;
  h.sum += s.seconds;
  h.count++;
}

function labels(names: readonly string[], key: string, extra = ""): string {
  const values = key.split(SEP);
  return `{${names.map((n, i) => `${n}="${escape(values[i] ?? "")}"`).join(",")}${extra}}`;
}

const sortedKeys = <T>(m: Map<string, T>): string[] => [...m.keys()].sort();

function counterLines(name: string, help: string, map: Map<string, number>): string[] {
  if (map.size === 0) return [];
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...sortedKeys(map).map((k) => `${name}${labels(["plugin", "verb", "code"], k)} ${map.get(k)}`)];
}

function histogramLines(map: Map<string, Histogram>): string[] {
  if (map.size === 0) return [];
  const out = [`# HELP ${DURATION} CNI plugin invocation latency, from process start to the result written.`, `# TYPE ${DURATION} histogram`];
  for (const k of sortedKeys(map)) {
    const h = map.get(k)!;
    const les = [...BUCKETS.map(String), "+Inf"];
    les.forEach((le, i) => out.push(`${DURATION}_bucket${labels(["plugin", "verb"], k, `,le="${le}"`)} ${h.buckets[i]}`));
    out.push(`${DURATION}_sum${labels(["plugin", "verb"], k)} ${h.sum}`, `${DURATION}_count${labels(["plugin", "verb"], k)} ${h.count}`);
  }
  return out;
}

/** The whole file: HELP and TYPE once per family, series sorted, buckets ascending with +Inf last. */
export function formatMetrics(state: MetricsState): string {
  const lines = [
    ...counterLines(CALLS, "CNI plugin invocations by plugin, verb and result code (0 = success).", state.calls),
    ...counterLines(ERRORS, "CNI plugin invocations that failed, by plugin, verb and CNI error code.", state.errors),
    ...histogramLines(state.durations),
  ];
  return lines.length > 0 ? lines.join("\n") + "\n" : "";
}
