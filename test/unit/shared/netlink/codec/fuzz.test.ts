// Random and truncated bytes into every decoder: only NetlinkDecodeError may escape, and the
// decoders keep working afterwards.
import { describe, expect, it } from "vitest";
import { decodeAddr } from "../../../../../shared/netlink/codec/addr.ts";
import { NetlinkDecodeError } from "../../../../../shared/netlink/codec/errors.ts";
import { decodeLink } from "../../../../../shared/netlink/codec/link.ts";
import { decodeDone, decodeError, forEachMessage } from "../../../../../shared/netlink/codec/nlmsg.ts";
import { decodeRoute } from "../../../../../shared/netlink/codec/route.ts";
import { decodeFixture } from "../../../../fixtures/netlink/decode-fixture.ts";
import { fixtureNames, loadFixture } from "../fixtures.ts";
import { rng } from "../../../rng.ts";

type Decoder = (dv: DataView, off: number, end: number) => unknown;
const DECODERS: Record<string, Decoder> = {
  link: decodeLink,
  addr: decodeAddr,
  route: decodeRoute,
  error: (dv, off, end) => decodeError(dv, off, end, 0x300),
  errorUncapped: (dv, off, end) => decodeError(dv, off, end, 0x200),
  done: (dv, off, end) => decodeDone(dv, off, end, 0x200),
  messages: (dv, off, end) => forEachMessage(dv, off, end, () => {}),
};

function onlyDecodeErrors(bytes: Uint8Array, off = 0): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [name, decode] of Object.entries(DECODERS)) {
    try {
      decode(dv, Math.min(off, bytes.length), bytes.length);
    } catch (e) {
      if (!(e instanceof NetlinkDecodeError)) throw new Error(`${name} threw ${String(e)} on ${Buffer.from(bytes).toString("hex")}`);
    }
  }
}

const fixtures = fixtureNames().filter((n) => /^(link|addr|route|error|done|ack)-/.test(n)).map(loadFixture);

describe("decoder fuzzing", () => {
  it("fuzz: every truncation of every fixture -> only NetlinkDecodeError", () => {
    for (const f of fixtures) {
      for (let n = 0; n <= f.bytes.length; n++) {
        onlyDecodeErrors(f.bytes.slice(0, n));
        onlyDecodeErrors(f.bytes.slice(0, n), 16);
      }
    }
  });

  it("fuzz: random byte and length corruptions of fixtures -> only NetlinkDecodeError", () => {
    const rand = rng(0x7c5a11);
    for (let i = 0; i < 4000; i++) {
      const f = fixtures[i % fixtures.length]!;
      const b = f.bytes.slice();
      const flips = 1 + Math.floor(rand() * 6);
      for (let j = 0; j < flips; j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      onlyDecodeErrors(b, 16);
    }
  });

  it("fuzz: pure random buffers -> only NetlinkDecodeError", () => {
    const rand = rng(42);
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(Math.floor(rand() * 200));
      for (let j = 0; j < b.length; j++) b[j] = rand() < 0.3 ? 0 : Math.floor(rand() * 256);
      onlyDecodeErrors(b);
      onlyDecodeErrors(b, 16);
    }
  });

  it("fuzz: after all the garbage -> decoders still decode a fixture correctly", () => {
    const f = loadFixture("link-veth-port");
    expect(decodeFixture(f.bytes)).toEqual(f.expected);
  });
});
