import { describe, expect, it } from "vitest";
import { commentOf, gcIptables, parseSave, setupForwardIptables, setupIngressIptables, teardownForwardIptables } from "../../../../shared/firewall/forward-iptables.ts";
import { containerTag } from "../../../../shared/firewall/forward-rules.ts";
import type { IptablesRunner } from "../../../../shared/firewall/types.ts";

const EMPTY = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

/** A filter table kept as iptables-save text; restore applies -N/-I/-A/-D lines naively (test-only). */
function fakeIptables(initial = EMPTY) {
  const chains = new Map<string, string[]>();
  for (const line of initial.split("\n")) {
    if (line.startsWith(":")) chains.set(line.slice(1).split(" ")[0]!, []);
    if (line.startsWith("-A ")) chains.get(line.split(" ")[1]!)!.push(line.split(" ").slice(2).join(" "));
  }
  const restores: string[] = [];
  const runner: IptablesRunner = {
    flavorsWith: () => ["nft"],
    save: () => `*filter\n${[...chains.keys()].map((c) => `:${c} - [0:0]`).join("\n")}\n${[...chains].flatMap(([c, rules]) => rules.map((r) => `-A ${c} ${r}`)).join("\n")}\nCOMMIT\n`,
    restore: (_f, _fl, text) => {
      restores.push(text);
      for (const line of text.split("\n").slice(1, -2)) {
        const [op, chain, ...rest] = line.split(" ");
        if (op === "-N") chains.set(chain!, []);
        else if (op === "-I") chains.get(chain!)!.unshift(rest.slice(1).join(" "));
        else if (op === "-A") chains.get(chain!)!.push(rest.join(" "));
        else if (op === "-D") chains.set(chain!, chains.get(chain!)!.filter((r) => r !== rest.join(" ")));
      }
      return { ok: true, error: "" };
    },
  };
  return { runner, chains, restores };
}

/** A rule without its comment. */
const bare = (r: string): string => r.replace(/ ?-m comment --comment "[^"]*"/, "").trim();

const SETUP = { network: "net1", containerId: "ctr1", ips: ["10.88.0.5"], adminChain: "CNI-ADMIN" };

describe("firewall rules in an iptables filter table", () => {
  it("parseSave: chains and specs, quoted comments kept whole", () => {
    const l = parseSave('*nat\n:X - [0:0]\n-A X -j Y\nCOMMIT\n*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m comment --comment "a b" -j C\nCOMMIT\n');
    expect([...l.chains]).toEqual(["FORWARD"]);
    expect(l.rules.get("FORWARD")).toEqual([["-m", "comment", "--comment", "a b", "-j", "C"]]);
    expect(commentOf(l.rules.get("FORWARD")![0]!)).toBe("a b");
  });

  it("setup: chains created with -N (never declared: that would flush), jumps first, rules appended; a second setup writes nothing", () => {
    const { runner, chains, restores } = fakeIptables();
    setupForwardIptables(runner, "ip", "nft", SETUP, ["10.88.0.5"]);
    expect(restores[0]).toMatch(/^\*filter\n-N CNI-FORWARD\n-N CNI-ADMIN\n-I FORWARD 1 /);
    expect(restores[0]).not.toMatch(/^:/m);
    expect(chains.get("FORWARD")![0]).toContain("-j CNI-FORWARD");
    expect(chains.get("CNI-FORWARD")).toHaveLength(4);
    setupForwardIptables(runner, "ip", "nft", SETUP, ["10.88.0.5"]);
    expect(restores).toHaveLength(1);
  });

  it("teardown: the container's tagged rules and the reference's untagged ones for its address; others stay", () => {
    const { runner, chains } = fakeIptables();
    setupForwardIptables(runner, "ip", "nft", SETUP, ["10.88.0.5"]);
    setupForwardIptables(runner, "ip", "nft", { ...SETUP, containerId: "ctr2", ips: ["10.88.0.6"] }, ["10.88.0.6"]);
    chains.get("CNI-FORWARD")!.push("-d 10.88.0.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-s 10.88.0.5/32 -j ACCEPT");
    teardownForwardIptables(runner, "ip", "nft", { network: "net1", containerId: "ctr1", ips: ["10.88.0.5"] }, ["10.88.0.5"]);
    const left = chains.get("CNI-FORWARD")!;
    expect(left.filter((r) => r.includes("10.88.0.5"))).toEqual([]);
    expect(left.filter((r) => r.includes("10.88.0.6"))).toHaveLength(3);
  });

  it("ingress + gc: bridge rules before the RETURNs; GC keeps them while a container of the network remains", () => {
    const { runner, chains } = fakeIptables();
    setupForwardIptables(runner, "ip", "nft", SETUP, ["10.88.0.5"]);
    setupIngressIptables(runner, "ip", "nft", { network: "net1", bridge: "cni0", policy: "same-bridge", families: ["ip"] });
    expect(chains.get("CNI-ISOLATION-STAGE-1")!.map(bare)).toEqual(["-i cni0 ! -o cni0 -j CNI-ISOLATION-STAGE-2", "-j RETURN"]);
    expect(chains.get("FORWARD")![0]).toContain("-j CNI-ISOLATION-STAGE-1");
    gcIptables(runner, "ip", "nft", "net1", new Set(["ctr1"]));
    expect(chains.get("CNI-ISOLATION-STAGE-2")).toHaveLength(2);
    gcIptables(runner, "ip", "nft", "net1", new Set());
    expect(chains.get("CNI-FORWARD")!.some((r) => r.includes(containerTag("net1", "ctr1")))).toBe(false);
    expect(chains.get("CNI-ISOLATION-STAGE-2")!.map(bare)).toEqual(["-j RETURN"]);
  });

  it("a failing commit is retried on a fresh read, then reported", () => {
    const { runner } = fakeIptables();
    let n = 0;
    const failing: IptablesRunner = { ...runner, restore: () => (n++, { ok: false, error: "Chain already exists" }) };
    expect(() => setupForwardIptables(failing, "ip", "nft", SETUP, ["10.88.0.5"])).toThrow(/Chain already exists/);
    expect(n).toBe(3);
  });
});
