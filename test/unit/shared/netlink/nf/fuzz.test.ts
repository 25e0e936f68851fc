// Random and truncated bytes into every nf_tables decoder: only NetlinkDecodeError may escape, and the
// decoders keep working afterwards.
import { describe, expect, it } from "vitest";
import { NetlinkDecodeError } from "../../../../../shared/netlink/codec/errors.ts";
import { formatNftKey } from "../../../../../shared/netlink/nf/codec/keys.ts";
import { decodeChain, decodeTable } from "../../../../../shared/netlink/nf/codec/objects.ts";
import { decodeRule } from "../../../../../shared/netlink/nf/codec/rule.ts";
import { decodeSetElems } from "../../../../../shared/netlink/nf/codec/setelem.ts";
import { loadNft, messages, NFT_FIXTURES } from "./fixtures.ts";
import { rng } from "../../../rng.ts";

type Decoder = (dv: DataView, off: number, end: number) => unknown;
const DECODERS: Record<string, Decoder> = {
  table: decodeTable,
  chain: decodeChain,
  rule: (dv, off, end) => decodeRule(dv, off, end, true),
  setelem: (dv, off, end) => {
    const m = decodeSetElems(dv, off, end);
    for (const e of m.elements) formatNftKey(e.key, ["ipv4_addr", "inet_service"]);
    return m;
  },
};

/** Each decoder on the payload of the first message (offset 16), whatever the bytes. */
function onlyDecodeErrors(bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [name, decode] of Object.entries(DECODERS)) {
    try {
      decode(dv, Math.min(16, bytes.length), bytes.length);
    } catch (e) {
      if (!(e instanceof NetlinkDecodeError)) throw new Error(`${name} threw ${String(e)} on ${Buffer.from(bytes).toString("hex")}`);
    }
  }
}

const fixtures = NFT_FIXTURES.map(loadNft);

describe("nf_tables decoder fuzzing", () => {
  it("fuzz: every truncation of every fixture -> only NetlinkDecodeError", () => {
    for (const f of fixtures) for (let n = 0; n <= f.length; n++) onlyDecodeErrors(f.slice(0, n));
  });

  it("fuzz: random byte corruptions of fixtures -> only NetlinkDecodeError, decoders still work after", () => {
    const rand = rng(0x5eed);
    for (let i = 0; i < 5000; i++) {
      const f = fixtures[i % fixtures.length]!.slice();
      const hits = 1 + Math.floor(rand() * 4);
      for (let h = 0; h < hits; h++) f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
      onlyDecodeErrors(f);
    }
    const [m] = messages(loadNft("table"));
    expect(decodeTable(m!.dv, m!.off, m!.end).name).toBe("cni_plugins_masquerade");
  });

  it("fuzz: random buffers -> only NetlinkDecodeError", () => {
    const rand = rng(42);
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(Math.floor(rand() * 200));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
      onlyDecodeErrors(b);
    }
  });
});
