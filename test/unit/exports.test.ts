// No dead exports: every export of tscni.ts, cmd/, shared/ and plugins/ is imported by another module (a
// source or a test: a pure codec may land, unit-tested, before the plugin that uses it). Cheap: it reads
// `export`/`import` statements (static, `import * as ns` + `ns.X`, dynamic `import("…")`, re-exports
// and `export *`), resolving the relative .ts paths the tree uses.
// To fix a failure: delete the export, or drop the `export` keyword if the module itself uses it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

interface Source {
  path: string;
  text: string;
}

const ROOT = join(__dirname, "../..");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "node_modules" ? [] : walk(p);
    return name.endsWith(".ts") ? [p] : [];
  });
}

const read = (paths: string[]): Source[] => paths.map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, "utf8") }));

const DECL = /^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|const|let|var|class|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/gm;
const DEFAULT = /^export\s+default\b/m;
const LIST = /^export\s+(?:type\s+)?\{([^}]*)\}\s*(?:from\s*"([^"]+)")?/gm;
const STAR = /^export\s+\*\s+from\s*"([^"]+)"/gm;
const NAMED_IMPORT = /^import\s+(?:type\s+)?(?:([A-Za-z_$][\w$]*)\s*,\s*)?\{([^}]*)\}\s*from\s*"([^"]+)"/gm;
const DEFAULT_IMPORT = /^import\s+(?:type\s+)?([A-Za-z_$][\w$]*)\s+from\s*"([^"]+)"/gm;
const NS_IMPORT = /^import\s+(?:type\s+)?\*\s+as\s+([A-Za-z_$][\w$]*)\s+from\s*"([^"]+)"/gm;
const DYNAMIC_MEMBER = /import\(\s*"([^"]+)"\s*\)\s*\)?\s*\.\s*([A-Za-z_$][\w$]*)/g;
const DYNAMIC_DESTRUCTURE = /\{([^{}]*)\}\s*=\s*await\s+import\(\s*"([^"]+)"\s*\)/g;

/** "a, b as c, type d" -> [[local-side name in the exporting module, ...]] */
function specifiers(list: string): { from: string; as: string }[] {
  return list
    .split(",")
    .map((s) => s.replace(/^\s*type\s+/, "").trim())
    .filter(Boolean)
    .map((s) => {
      const [from, as] = s.split(/\s+as\s+|\s*:\s*/);
      return { from: from!.trim(), as: (as ?? from!).trim() };
    });
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  return normalize(join(dirname(from), spec));
}

interface ModuleInfo {
  /** names this module exports; a re-exported one with its module and name there */
  exports: Map<string, { module: string; name: string } | undefined>;
  /** `export * from` targets */
  stars: string[];
}

function exportsOf(src: Source): ModuleInfo {
  const exports: ModuleInfo["exports"] = new Map();
  for (const m of src.text.matchAll(DECL)) exports.set(m[1]!, undefined);
  if (DEFAULT.test(src.text)) exports.set("default", undefined);
  for (const m of src.text.matchAll(LIST)) {
    const target = m[2] ? resolve(src.path, m[2]) : undefined;
    for (const s of specifiers(m[1]!)) exports.set(s.as, target ? { module: target, name: s.from } : undefined);
  }
  const stars = [...src.text.matchAll(STAR)].map((m) => resolve(src.path, m[1]!)).filter((p): p is string => !!p);
  return { exports, stars };
}

/** [module path, exported name] pairs a source imports (re-exports included). */
function importsOf(src: Source): [string, string][] {
  const out: [string, string][] = [];
  const add = (spec: string, name: string) => {
    const target = resolve(src.path, spec);
    if (target) out.push([target, name]);
  };
  for (const m of src.text.matchAll(NAMED_IMPORT)) {
    if (m[1]) add(m[3]!, "default");
    for (const s of specifiers(m[2]!)) add(m[3]!, s.from);
  }
  for (const m of src.text.matchAll(DEFAULT_IMPORT)) add(m[2]!, "default");
  for (const m of src.text.matchAll(NS_IMPORT)) {
    for (const u of src.text.matchAll(new RegExp(`\\b${m[1]}\\.([A-Za-z_$][\\w$]*)`, "g"))) add(m[2]!, u[1]!);
  }
  for (const m of src.text.matchAll(DYNAMIC_MEMBER)) add(m[1]!, m[2]!);
  for (const m of src.text.matchAll(DYNAMIC_DESTRUCTURE)) for (const s of specifiers(m[1]!)) add(m[2]!, s.from);
  return out;
}

/** Exports of `sources` that no other module imports ("path: name"). */
export function deadExports(sources: Source[], tests: Source[]): string[] {
  const infos = new Map(sources.map((s) => [s.path, exportsOf(s)]));
  const used = new Set<string>();
  const mark = (module: string, name: string, seen = new Set<string>()) => {
    const info = infos.get(module);
    if (!info || seen.has(`${module}:${name}`)) return;
    seen.add(`${module}:${name}`);
    if (name === "*") {
      for (const n of info.exports.keys()) mark(module, n, seen);
      for (const s of info.stars) mark(s, "*", seen);
      return;
    }
    if (info.exports.has(name)) {
      used.add(`${module}: ${name}`);
      const from = info.exports.get(name);
      if (from) mark(from.module, from.name, seen);
      return;
    }
    for (const s of info.stars) mark(s, name, seen);
  };
  for (const src of [...sources, ...tests]) for (const [m, n] of importsOf(src)) if (m !== src.path) mark(m, n);
  const dead: string[] = [];
  for (const src of sources) for (const name of infos.get(src.path)!.exports.keys()) if (!used.has(`${src.path}: ${name}`)) dead.push(`${src.path}: ${name}`);
  return dead.sort();
}

describe("exports", () => {
  it("source: every export of tscni.ts, cmd/, shared/ and plugins/ is imported by another module", () => {
    const sources = read([join(ROOT, "tscni.ts"), ...["cmd", "shared", "plugins"].flatMap((d) => walk(join(ROOT, d)))]);
    const tests = read(walk(join(ROOT, "test")));
    expect(deadExports(sources, tests)).toEqual([]);
  });

  it("check: flags an export nobody imports (even if used in its own module); follows re-exports and export *", () => {
    const src = (path: string, text: string): Source => ({ path, text });
    const sources = [
      src("a.ts", 'export function used() {}\nexport const unused = 1;\nexport function seam() {}\nseam();\n'),
      src("b.ts", 'import { used } from "./a.ts";\nimport * as c from "./c.ts";\nc.viaNs();\nexport default used;\n'),
      src("c.ts", 'export * from "./d.ts";\nexport { fromE as renamed } from "./e.ts";\nexport function viaNs() {}\n'),
      src("d.ts", "export interface Deep {}\nexport type Lonely = number;\n"),
      src("e.ts", "export const fromE = 2;\nexport const lazy = 3;\n"),
      src("f.ts", 'const p = async () => (await import("./b.ts")).default;\nimport type { Deep } from "./c.ts";\nimport { renamed } from "./c.ts";\n'),
      src("g.ts", 'async function g() {\n  const { lazy } = await import("./e.ts");\n}\n'),
    ];
    const tests = [src("t.test.ts", 'import { seam } from "./a.ts";\n')];
    expect(deadExports(sources, tests)).toEqual(["a.ts: unused", "d.ts: Lonely"]);
  });
});
