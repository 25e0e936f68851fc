// shared/ip against an independent implementation (the ip-address package) on random inputs:
// network/last address, containment and canonical text must agree.
import { Address4, Address6 } from "ip-address";
import { describe, expect, it } from "vitest";
import { rng } from "../../rng.ts";
import { contains, formatCIDR, formatIP, lastAddress, networkAddress, parseCIDR, parseIP } from "../../../../shared/ip/index.ts";

const next = rng(12345);
const rnd = (n: number) => Math.floor(next() * n);
const v4 = () => [rnd(256), rnd(256), rnd(256), rnd(256)].join(".");
/** random v6 with runs of zero groups, avoiding the IPv4-mapped range Go prints as dotted v4 */
const v6 = () => {
  const g = Array.from({ length: 8 }, () => (rnd(3) === 0 ? "0" : rnd(0x10000).toString(16)));
  if (g[0] === "0") g[0] = "fd00";
  return g.join(":");
};

describe("shared/ip vs ip-address", () => {
  it("ipv4: network, last address, contains, format agree on 500 random CIDRs", () => {
    for (let i = 0; i < 500; i++) {
      const text = `${v4()}/${1 + rnd(31)}`;
      const ours = parseCIDR(text)!;
      const theirs = new Address4(text);
      expect(formatIP(networkAddress(ours)), text).toBe(theirs.startAddress().correctForm());
      expect(formatIP(lastAddress(ours)), text).toBe(theirs.endAddress().correctForm());
      const probe = v4();
      expect(contains(ours, parseIP(probe)!), `${probe} in ${text}`).toBe(new Address4(probe).isInSubnet(theirs));
    }
  });

  it("ipv6: network, last address, canonical text agree on 500 random CIDRs", () => {
    for (let i = 0; i < 500; i++) {
      const addr = v6();
      const text = `${addr}/${1 + rnd(127)}`;
      const ours = parseCIDR(text)!;
      const theirs = new Address6(text);
      expect(formatIP(parseIP(addr)!), addr).toBe(new Address6(addr).correctForm());
      expect(formatIP(networkAddress(ours)), text).toBe(theirs.startAddress().correctForm());
      expect(formatIP(lastAddress(ours)), text).toBe(theirs.endAddress().correctForm());
      expect(formatCIDR(ours)).toBe(`${formatIP(ours.ip)}/${ours.prefix}`);
    }
  });
});
