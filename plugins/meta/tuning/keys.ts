// tuning's sysctl keys: the duplicate-key check the reference runs on the raw stdin (JSON.parse keeps
// only the last of two equal keys, so it is done on the text), the allowlist, and the key -> /proc/sys
// path rule (dots become slashes first, then the first "IFNAME" becomes CNI_IFNAME, so dotted interface
// names such as eth0.100 work; the path must stay under /proc/sys/net/). Pure.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import { foldKey } from "../../../shared/cni/reader.ts";

const JSON_SPACE = new Set([" ", "\t", "\n", "\r"]);

/** A cursor over JSON text already known to be valid (the skel parsed it): skips, never validates. */
class JsonCursor {
  private i = 0;
  constructor(private readonly s: string) {}

  private space(): void {
    while (JSON_SPACE.has(this.s[this.i]!)) this.i++;
  }

  /** The next character after white space, not consumed. */
  peek(): string {
    this.space();
    return this.s[this.i] ?? "";
  }

  take(): string {
    this.space();
    return this.s[this.i++] ?? "";
  }

  /** The string token at the cursor, decoded. */
  string(): string {
    this.space();
    const start = this.i++;
    while (this.i < this.s.length && this.s[this.i] !== '"') this.i += this.s[this.i] === "\\" ? 2 : 1;
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }

  /** Skips one value of any type. */
  skipValue(): void {
    const c = this.peek();
    if (c === '"') return void this.string();
    if (c !== "{" && c !== "[") {
      while (this.i < this.s.length && !/[,}\]\s]/.test(this.s[this.i]!)) this.i++;
      return;
    }
    let depth = 0;
    do {
      const ch = this.s[this.i]!;
      if (ch === '"') {
        this.string();
        continue;
      }
      if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") depth--;
      this.i++;
    } while (depth > 0 && this.i < this.s.length);
  }

  /** Visits the members of the object at the cursor: key, then visit must consume the value. */
  members(visit: (key: string) => void): void {
    this.take(); // "{"
    while (this.peek() !== "}" && this.peek() !== "") {
      const key = this.string();
      this.take(); // ":"
      visit(key);
      if (this.peek() === ",") this.take();
    }
    this.take(); // "}"
  }
}

/**
 * The first key that appears twice across the top-level `sysctl` objects (every key naming the field, as
 * Go decodes them all into one map), or undefined. `text` is the config the skel already parsed.
 */
export function duplicateSysctlKey(text: string): string | undefined {
  const c = new JsonCursor(text);
  if (c.peek() !== "{") return undefined;
  const seen = new Set<string>();
  let dup: string | undefined;
  c.members((key) => {
    if (foldKey(key) !== "sysctl" || c.peek() !== "{") return c.skipValue();
    c.members((k) => {
      if (seen.has(k)) dup ??= k;
      seen.add(k);
      c.skipValue();
    });
  });
  return dup;
}

/** The allowlist file's patterns: one Go regexp per non-empty trimmed line. */
export function parseAllowlist(text: string): RegExp[] {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.map((l) => {
    try {
      return new RegExp(l);
    } catch (e) {
      throw invalidConfig(`invalid sysctl allowlist pattern ${JSON.stringify(l)}: ${e instanceof Error ? e.message : e}`);
    }
  });
}

/** Refuses a key (as written, before IFNAME is substituted) that matches no allowlist pattern. */
export function checkAllowed(key: string, allow: readonly RegExp[]): void {
  if (allow.some((re) => re.test(key))) return;
  const list = allow.map((re) => re.source).join(" ");
  throw invalidConfig(`Sysctl ${key} is not allowed. Only the following sysctls are allowed: [${list}]`);
}

/** Characters shared/sys/sysctl.ts accepts in a path (anything else could not name a /proc/sys file we write). */
const PATH_RE = /^[A-Za-z0-9_./-]{1,255}$/;

/** filepath.Clean of an absolute path: no empty or "." components, ".." resolved. */
function cleanAbsolute(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** The path under /proc/sys ("net/ipv4/conf/eth0/arp_filter") a tuning key names for ifname. */
export function sysctlPath(key: string, ifname: string): string {
  const rel = key.replaceAll(".", "/").replace("IFNAME", () => ifname);
  const file = cleanAbsolute(`/proc/sys/${rel}`);
  if (!file.startsWith("/proc/sys/net/")) throw invalidConfig(`invalid net sysctl key: ${JSON.stringify(key)}`);
  const out = file.slice("/proc/sys/".length);
  if (!PATH_RE.test(out)) throw invalidConfig(`invalid net sysctl key: ${JSON.stringify(key)} (unsupported character)`);
  return out;
}
