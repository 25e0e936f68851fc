// resolv.conf -> result DNS, as the reference's parseResolvConf (host-local/dns.go). Pure.
import type { DNS } from "../../../shared/cni/types.ts";

/** Largest resolv.conf read (bufio.Scanner's default token limit is 64 KiB per line; files are tiny). */
export const MAX_RESOLV_CONF_BYTES = 1 << 20;

/** Go's strings.Fields: split on runs of Unicode white space. */
function fields(line: string): string[] {
  return line.split(/[\s\u0085]+/u).filter((f) => f !== "");
}

/**
 * nameserver (one per line, first field), domain (last wins), search and options (all fields,
 * appended); comments (# or ;), blank and one-word lines skipped; unknown keywords ignored.
 */
export function parseResolvConf(text: string): DNS {
  const dns: DNS = {};
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line[0] === "#" || line[0] === ";") continue;
    const f = fields(line);
    if (f.length < 2) continue;
    const [key, first, ...rest] = f as [string, string, ...string[]];
    switch (key) {
      case "nameserver":
        (dns.nameservers ??= []).push(first);
        break;
      case "domain":
        dns.domain = first;
        break;
      case "search":
        (dns.search ??= []).push(first, ...rest);
        break;
      case "options":
        (dns.options ??= []).push(first, ...rest);
        break;
    }
  }
  return dns;
}
