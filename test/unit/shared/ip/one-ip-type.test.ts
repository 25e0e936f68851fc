// One IP type (issue 9): addresses are parsed, classified and converted to kernel bytes by shared/ip
// alone. This scans the tree so a second copy (a family test on ':', a bare 2/10, a text parser in the
// netlink codec) fails the suite instead of drifting in.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "../../../..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

const read = (dirs: string[]) =>
  dirs.flatMap((d) => sources(join(ROOT, d))).map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, "utf8") }));
const SOURCE = [{ path: "tscni.ts", text: readFileSync(join(ROOT, "tscni.ts"), "utf8") }, ...read(["shared", "plugins", "cmd"])];
const EVERYTHING = [...SOURCE, ...read(["test", "scripts"])];

/** "path:line: text" of each line of files matching re. */
function hits(files: { path: string; text: string }[], re: RegExp): string[] {
  return files.flatMap((f) =>
    f.text.split("\n").flatMap((line, i) => (re.test(line) ? [`${f.path}:${i + 1}: ${line.trim()}`] : [])),
  );
}

const IP_LIB = /^shared\/ip\//;
const outsideIpLib = SOURCE.filter((f) => !IP_LIB.test(f.path));

describe("one IP type", () => {
  it("family: no family test by looking for ':' in text (shared/ip familyOf decides), source and tests", () => {
    expect(hits(EVERYTHING, /\.(includes|indexOf)\([^)]*["'`]:["'`]/)).toEqual([]);
  });

  it("family: AF_INET/AF_INET6 defined once, in shared/ip/family.ts", () => {
    const defs = hits(SOURCE, /\b(const|let|var)\s+AF_INET6?\b|\bAF_INET6?\s*=\s*\d/);
    expect(defs.map((h) => h.split(":")[0])).toEqual(["shared/ip/family.ts", "shared/ip/family.ts"]);
  });

  it("family: no bare 2/10 for an address family in source (AF_INET, AF_INET6, afOf)", () => {
    const compared = /\bfam\w*\s*[!=]==?\s*(2|10)\b|\b(2|10)\s*[!=]==?\s*[\w.]*fam\w*\b/i;
    const chosen = /\?\s*(2\s*:\s*10|10\s*:\s*2)\b|\bfamily:\s*(2|10)\b/;
    expect(hits(outsideIpLib, compared)).toEqual([]);
    expect(hits(outsideIpLib, chosen)).toEqual([]);
  });

  it("one of each: familyOf and contains are defined only in shared/ip", () => {
    expect(hits(outsideIpLib, /\bfunction\s+(familyOf|contains|\w*PrefixContains|prefixContains)\b|\b(familyOf|contains)\s*=\s*\(/)).toEqual([]);
  });

  it("one of each: address and CIDR text are parsed only in shared/ip (plus named compositions of it)", () => {
    // host-local's parseRequestedIP (Go's pkg/ip.ParseIP: "ip" or "ip/prefix") and parseIPArg (the
    // CNI_ARGS list) only call shared/ip's parseIP/parseCIDR.
    const allowed = /plugins\/ipam\/host-local\/config\.ts:\d+: (export )?function (parseRequestedIP|parseIPArg)\(/;
    const parsers = hits(outsideIpLib, /\bfunction\s+(parse|scan)\w*(IP|Ip|CIDR|Cidr|Addr|Address|Subnet|Prefix)(OrThrow|Arg|Text)?\s*\(/);
    expect(parsers.filter((h) => !allowed.test(h))).toEqual([]);
    expect(hits(SOURCE, /\bfunction\s+(parseIP|parseCIDR|scanIP)\s*\(/).map((h) => h.split(":")[0])).toEqual([
      "shared/ip/addr.ts",
      "shared/ip/addr.ts",
      "shared/ip/cidr.ts",
    ]);
  });

  it("codec: shared/netlink/codec takes bytes only (no text parsers defined or imported from shared/ip)", () => {
    const codec = SOURCE.filter((f) => f.path.startsWith("shared/netlink/codec/"));
    expect(codec.length).toBeGreaterThan(5);
    expect(hits(codec, /\bfunction\s+parse\w*\s*\(/)).toEqual([]);
    expect(hits(codec, /\b(parseIP|parseCIDR|scanIP|wireAddress|wirePrefix|familyOf)\b/)).toEqual([]);
  });
});
