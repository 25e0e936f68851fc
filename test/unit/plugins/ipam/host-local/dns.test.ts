import { describe, expect, it } from "vitest";
import { parseResolvConf } from "../../../../../plugins/ipam/host-local/dns.ts";

describe("parseResolvConf", () => {
  it("parse: full file -> nameservers, last domain, search/options appended", () => {
    const text = [
      "# comment", "; also comment", "nameserver 1.1.1.1", "nameserver   fd00::53  extra", "domain a.example",
      "domain ex.com", "search a.com b.com", "options ndots:5 rotate", "search c.com", "  \t", "nameserver", "sortlist 1.2.3.4",
      "nameserver 8.8.8.8\r",
    ].join("\n");
    expect(parseResolvConf(text)).toEqual({
      nameservers: ["1.1.1.1", "fd00::53", "8.8.8.8"],
      domain: "ex.com",
      search: ["a.com", "b.com", "c.com"],
      options: ["ndots:5", "rotate"],
    });
  });
  it("parse: empty file -> {}", () => expect(parseResolvConf("")).toEqual({}));
  it("parse: indented comment and tabs -> comment skipped, tab-separated fields split", () =>
    expect(parseResolvConf("   # x\nnameserver\t9.9.9.9\n")).toEqual({ nameservers: ["9.9.9.9"] }));
});
