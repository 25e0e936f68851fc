// struct nft_data as netlink carries it: a nest holding NFTA_DATA_VALUE (bytes) or NFTA_DATA_VERDICT
// (code + target chain). Used by set element keys/data, immediate and cmp expressions.
import { attrBytes, attrStr, forEachAttr } from "../../codec/attr.ts";
import { attrBeI32 } from "./nfgen.ts";

export const NFTA_DATA_VALUE = 1;
const NFTA_DATA_VERDICT = 2;
const NFTA_VERDICT_CODE = 1;
const NFTA_VERDICT_CHAIN = 2;

const NFT_CONTINUE = -1;
export const NFT_JUMP = -3;
export const NFT_GOTO = -4;
export const NFT_RETURN = -5;

export interface NftVerdict {
  readonly code: number;
  /** Target of a jump or goto. */
  readonly chain: string | undefined;
}

interface NftData {
  readonly value?: Uint8Array;
  readonly verdict?: NftVerdict;
}

function decodeVerdict(dv: DataView, off: number, end: number): NftVerdict {
  let code = NFT_CONTINUE;
  let chain: string | undefined;
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === NFTA_VERDICT_CODE) code = attrBeI32(dv, o, l);
    else if (t === NFTA_VERDICT_CHAIN) chain = attrStr(dv, o, l);
  });
  return { code, chain };
}

/** Decodes the payload [off, off+len) of an NFTA_*_DATA / KEY nest. */
export function decodeData(dv: DataView, off: number, len: number): NftData {
  let value: Uint8Array | undefined;
  let verdict: NftVerdict | undefined;
  forEachAttr(dv, off, off + len, (t, o, l) => {
    if (t === NFTA_DATA_VALUE) value = attrBytes(dv, o, l);
    else if (t === NFTA_DATA_VERDICT) verdict = decodeVerdict(dv, o, o + l);
  });
  return { value, verdict };
}
