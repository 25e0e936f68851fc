// Loads the nf_tables replies recorded by test/fixtures/netlink/capture-nft.ts and walks their messages.
import { readFileSync } from "node:fs";
import { forEachMessage } from "../../../../../shared/netlink/codec/nlmsg.ts";
import { FIXTURE_DIR } from "../fixtures.ts";

export const NFT_FIXTURES = [
  "table", "chain", "error-enoent", "rules-masq", "rules-postrouting", "setelem-map-v4", "setelem-set-v4", "setelem-map-v6", "set", "setelem-get",
] as const;

export function loadNft(name: (typeof NFT_FIXTURES)[number]): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURE_DIR}nft-${name}.bin`));
}

export interface Msg {
  type: number;
  flags: number;
  seq: number;
  dv: DataView;
  off: number;
  end: number;
}

export function messages(bytes: Uint8Array): Msg[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Msg[] = [];
  forEachMessage(dv, 0, bytes.length, (type, flags, seq, off, end) => out.push({ type, flags, seq, dv, off, end }));
  return out;
}
