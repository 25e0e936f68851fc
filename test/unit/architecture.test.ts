// The layering rules of DESIGN.md/STYLE.md, enforced as a test (the role a lint rule plays elsewhere):
// only shared/sys touches bun:ffi, and the pure modules (codecs, config parsers, version conversion,
// ip math) import neither Bun APIs nor shared/sys, so they stay unit-testable under Node.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "../..");
const SOURCE_DIRS = ["shared", "plugins", "cmd"];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

const files = [join(ROOT, "tscni.ts"), ...SOURCE_DIRS.flatMap((d) => sources(join(ROOT, d)))].map((p) => ({
  path: relative(ROOT, p),
  text: readFileSync(p, "utf8"),
}));

const importsOf = (text: string): string[] => [...text.matchAll(/^\s*(?:import|export)\b[^;"]*?(?:from\s+)?"([^"]+)"/gms)].map((m) => m[1]!);

/** Modules that must run under plain Node: no bun:ffi, no Bun global, no shared/sys. */
const PURE = [
  /^shared\/netlink\/codec\//,
  /^shared\/netlink\/nf\/codec\//,
  /^shared\/cni\/(args|config|env|errors|front|json|plugin|reader|skel|spec-versions|types|version)\.ts$/,
  /^cmd\/run\/(args|conflist)\.ts$/,
  /^shared\/ip\//,
  /^shared\/metrics\/prom\.ts$/,
  /^plugins\/main\/pod\/masq-backend\.ts$/,
  /^plugins\/(main|ipam|meta)\/[^/]+\/config\.ts$/,
  /^plugins\/meta\/tuning\/(keys|backup)\.ts$/,
  /^plugins\/ipam\/host-local\/(config|range|allocator|dns)\.ts$/,
  /^plugins\/ipam\/dhcp\/(wire\/|config\.ts$|protocol\.ts$|daemon\/(client|flags|leases)\.ts$)/,
  /^shared\/firewall\/(hash|nft-text|nft-expr|validate|masquerade-rules|portmap-rules|iptables-legacy|masquerade|portmap|spoofcheck|none|types|forward|forward-rules|forward-iptables|forward-nft)\.ts$/,
];

describe("architecture", () => {
  it("layers: only shared/sys imports bun:ffi", () => {
    const offenders = files.filter((f) => importsOf(f.text).includes("bun:ffi") && !f.path.startsWith("shared/sys/"));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it("layers: pure modules import no Bun API and no shared/sys", () => {
    const pure = files.filter((f) => PURE.some((re) => re.test(f.path)));
    expect(pure.length).toBeGreaterThan(20);
    const offenders = pure.filter(
      (f) => /\bBun\./.test(f.text) || importsOf(f.text).some((m) => m === "bun:ffi" || m === "bun" || /(^|\/)sys\//.test(m)),
    );
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it("start-up: plugin code never imports node:crypto, node:net or ip-address (2-3 ms each in a compiled binary)", () => {
    const heavy = ["node:crypto", "node:net", "ip-address", "crypto", "net"];
    const offenders = files.filter((f) => importsOf(f.text).some((m) => heavy.includes(m)));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it("start-up: tscni.ts and the registry reach plugin code only through dynamic imports, built as separate chunks", () => {
    // a static import would put that plugin's modules into every other plugin's start-up
    const front = files.filter((f) => f.path === "tscni.ts" || f.path === "plugins/registry.ts");
    const staticImports = (text: string): string[] => [...text.matchAll(/^\s*(?:import|export)\b[^;"()]*?(?:from\s+)?"([^"]+)"/gms)].map((m) => m[1]!);
    // (a plugin's versions.ts, a constant the registry answers VERSION from, is not its code)
    const statics = front.flatMap((f) => staticImports(f.text).filter((m) => /(^|\/)(main|ipam|meta)\//.test(m) && !/\/versions\.ts$/.test(m)).map((m) => `${f.path}: ${m}`));
    expect(statics).toEqual([]);
    // and only ESM code splitting keeps a dynamic import's modules out of the entry file (scripts/build)
    const build = readFileSync(join(ROOT, "scripts/build"), "utf8");
    expect(build).toMatch(/--format=esm --splitting/);
  });

  it("start-up: what every exec evaluates (tscni.ts's static imports, VERSION's whole path) stays a short, light list", () => {
    // each module reached here is evaluated on every exec, VERSION included: no skel, result conversion,
    // ip, netlink, sys (but exit-hooks), ns, firewall or plugin code (a plugin's versions.ts at most)
    const byPath = new Map(files.map((f) => [f.path, f]));
    const staticImports = (text: string): string[] =>
      [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;"()]*?(?:from\s+)?"([^"]+)"/gms)].map((m) => m[1]!);
    const reached = new Set<string>();
    const visit = (path: string): void => {
      if (reached.has(path)) return;
      reached.add(path);
      for (const m of staticImports(byPath.get(path)!.text)) {
        if (m.startsWith(".")) visit(relative(ROOT, join(ROOT, path, "..", m)));
      }
    };
    visit("tscni.ts");
    const allowed = [
      /^tscni\.ts$/,
      /^plugins\/registry\.ts$/,
      /^plugins\/(main|ipam|meta)\/[^/]+\/versions\.ts$/,
      /^shared\/cni\/(front|env|errors|json|reader|spec-versions|types)\.ts$/,
      /^shared\/crash\.ts$/,
      /^shared\/sys\/exit-hooks\.ts$/,
    ];
    expect([...reached].filter((p) => !allowed.some((re) => re.test(p)))).toEqual([]);
    expect(reached.has("shared/cni/front.ts")).toBe(true); // the walk itself works
  });

  it("versions: a plugin speaks SUPPORTED_VERSIONS or its versions.ts's list, the one the registry answers VERSION from", () => {
    const registry = files.find((f) => f.path === "plugins/registry.ts")!.text;
    const declared = files.flatMap((f) => [...f.text.matchAll(/supportedVersions: ([A-Z_]+)/g)].map((m) => ({ path: f.path, list: m[1]! })));
    expect(declared.length).toBeGreaterThanOrEqual(18);
    const offenders = declared.filter(({ path, list }) => {
      if (list === "SUPPORTED_VERSIONS") return false;
      const dir = path.slice(0, path.lastIndexOf("/"));
      const fromOwnFile = new RegExp(`import \\{ ${list} \\} from "\\./versions\\.ts"`).test(files.find((f) => f.path === path)!.text);
      const inRegistry = registry.includes(`import { ${list} } from "./${dir.slice("plugins/".length)}/versions.ts"`);
      return !(fromOwnFile && inRegistry);
    });
    expect(offenders).toEqual([]);
  });

  it("layout: plugins live in plugins/{main,ipam,meta}/<type>; shared/ never imports a plugin", () => {
    const stray = files.filter((f) => f.path.startsWith("plugins/") && f.path !== "plugins/registry.ts" && !/^plugins\/(main|ipam|meta)\/[^/]+\//.test(f.path));
    expect(stray.map((f) => f.path)).toEqual([]);
    const upward = files.filter((f) => f.path.startsWith("shared/") && importsOf(f.text).some((m) => /(^|\/)(plugins|cmd)\//.test(m)));
    expect(upward.map((f) => f.path)).toEqual([]);
  });

  it("layout: operator commands (cmd/) are never imported by plugins; tscni.ts loads them only lazily", () => {
    const intoCmd = files.filter((f) => f.path.startsWith("plugins/") && importsOf(f.text).some((m) => /(^|\/)cmd\//.test(m)));
    expect(intoCmd.map((f) => f.path)).toEqual([]);
    const entry = files.find((f) => f.path === "tscni.ts")!;
    expect(importsOf(entry.text).filter((m) => m.includes("cmd/"))).toEqual([]);
  });

  it("metrics: the metrics writer is never imported statically (a plugin without metricsFile pays nothing)", () => {
    const offenders = files.filter((f) => importsOf(f.text).some((m) => /(^|\/)metrics\//.test(m)) && !f.path.startsWith("shared/metrics/"));
    expect(offenders.map((f) => f.path)).toEqual([]);
    expect(files.find((f) => f.path === "tscni.ts")!.text).toMatch(/await import\("\.\/shared\/metrics\/file\.ts"\)/);
  });

  it("deps: only entries (plugins' index.ts, system-deps.ts; operator commands' main.ts) build the system firewall; nothing else binds to the system nft runner", () => {
    const entry = /^(plugins\/(main|ipam|meta)\/[^/]+\/(index|system-deps)|cmd\/[^/]+\/main)\.ts$/;
    const system = /(^|\/)firewall\/(system|system-nft)\.ts$/;
    const offenders = files.filter((f) => importsOf(f.text).some((m) => system.test(m)) && !entry.test(f.path) && f.path !== "shared/firewall/system.ts");
    expect(offenders.map((f) => f.path)).toEqual([]);
    const builders = files.filter((f) => /new NftFirewall\(/.test(f.text)).map((f) => f.path);
    expect(builders).toEqual(["shared/firewall/system.ts"]);
  });

  it("deps: plugins log through the skel's stderr (ctx / deps.log), never process.stderr", () => {
    const offenders = files.filter((f) => f.path.startsWith("plugins/") && /process\.stderr/.test(f.text));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });
});
