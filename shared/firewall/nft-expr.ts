// Reading rule expressions (as decoded from nfnetlink, shared/netlink/nf/codec/rule.ts) back into the
// few facts CHECK needs: where a rule jumps, and the `<f> saddr X <f> daddr != S masquerade` shape of an
// ipMasq rule. Register-level: payload/meta load a register, bitwise masks it, cmp compares it. Pure.
import { formatIp } from "../netlink/codec/inet.ts";
import { NFT_GOTO, NFT_JUMP } from "../netlink/nf/codec/data.ts";
import { NFPROTO_IPV4, NFPROTO_IPV6 } from "../netlink/nf/codec/nfgen.ts";
import { NFT_CMP_EQ, NFT_CMP_NEQ, NFT_META_IIFNAME, NFT_META_NFPROTO, NFT_PAYLOAD_NETWORK_HEADER, type NftExpr } from "../netlink/nf/codec/rule.ts";

/** True when one of the expressions jumps or goes to `chain`. */
export function reachesChain(exprs: readonly NftExpr[] | undefined, chain: string, how: "jump" | "goto" | "any" = "any"): boolean {
  const codes = how === "jump" ? [NFT_JUMP] : how === "goto" ? [NFT_GOTO] : [NFT_JUMP, NFT_GOTO];
  return (exprs ?? []).some((e) => e.name === "immediate" && e.verdict?.chain === chain && codes.includes(e.verdict.code));
}

/** The interface name an `iifname "x"` match compares with (NUL-padded in the rule), if any. */
export function iifnameOf(exprs: readonly NftExpr[] | undefined): string | undefined {
  let reg: number | undefined;
  for (const e of exprs ?? []) {
    if (e.name === "meta" && e.key === NFT_META_IIFNAME && e.dreg !== undefined) reg = e.dreg;
    else if (e.name === "cmp" && reg !== undefined && e.sreg === reg && e.op === NFT_CMP_EQ && e.data) {
      const nul = e.data.indexOf(0);
      return new TextDecoder().decode(e.data.subarray(0, nul < 0 ? e.data.length : nul));
    }
  }
  return undefined;
}

interface MasqMatch {
  saddr?: string;
  /** `<f> daddr X` (a host address compared for equality) */
  daddr?: string;
  daddrNot?: string;
  masquerade: boolean;
}

/** What a register holds: a network-header field (with an optional mask) or the nfproto meta key. */
interface RegValue {
  readonly kind: "payload" | "nfproto";
  readonly offset?: number;
  readonly len?: number;
  readonly mask?: Uint8Array;
}

/** IPv4 / IPv6 header offsets of saddr and daddr. */
const FIELDS = { [NFPROTO_IPV4]: { saddr: 12, daddr: 16, size: 4 }, [NFPROTO_IPV6]: { saddr: 8, daddr: 24, size: 16 } } as const;

function popcount(mask: Uint8Array): number {
  let n = 0;
  for (const b of mask) for (let v = b; v; v &= v - 1) n++;
  return n;
}

/** "10.88.0.0/24" from the compared bytes (a prefix compares ceil(len/8) bytes, masked when not byte-aligned). */
function prefixText(data: Uint8Array, size: number, mask: Uint8Array | undefined): string {
  const full = new Uint8Array(size);
  full.set(data.subarray(0, size));
  const bits = mask ? popcount(mask) : Math.min(data.length, size) * 8;
  return `${formatIp(full)}/${bits}`;
}

/** Guesses the family from the field when no `meta nfproto` preceded it (an ip or ip6 table). */
function nfprotoOf(nfproto: number | undefined, reg: RegValue): typeof NFPROTO_IPV4 | typeof NFPROTO_IPV6 {
  if (nfproto === NFPROTO_IPV4 || nfproto === NFPROTO_IPV6) return nfproto;
  return (reg.len ?? 0) <= 4 && (reg.offset === 12 || reg.offset === 16) ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

function applyCmp(e: NftExpr, reg: RegValue, nfproto: number | undefined, out: MasqMatch): number | undefined {
  if (!e.data) return nfproto;
  if (reg.kind === "nfproto") return e.op === NFT_CMP_EQ ? e.data[0] : nfproto;
  const f = FIELDS[nfprotoOf(nfproto, reg)];
  if (reg.offset === f.saddr && reg.len === f.size && e.op === NFT_CMP_EQ && !reg.mask && e.data.length === f.size) {
    out.saddr = formatIp(e.data);
  } else if (reg.offset === f.daddr && reg.len === f.size && e.op === NFT_CMP_EQ && !reg.mask && e.data.length === f.size) {
    out.daddr = formatIp(e.data);
  } else if (reg.offset === f.daddr && e.op === NFT_CMP_NEQ) {
    out.daddrNot = prefixText(e.data, f.size, reg.mask);
  }
  return nfproto;
}

/** Reads `<f> saddr X <f> daddr [!=] S masquerade` back out of a rule's expressions (also the firewall's address matches). */
export function masqMatchOf(exprs: readonly NftExpr[] | undefined): MasqMatch {
  const out: MasqMatch = { masquerade: false };
  const regs = new Map<number, RegValue>();
  let nfproto: number | undefined;
  for (const e of exprs ?? []) {
    if (e.name === "masq") out.masquerade = true;
    else if (e.name === "meta" && e.key === NFT_META_NFPROTO && e.dreg !== undefined) regs.set(e.dreg, { kind: "nfproto" });
    else if (e.name === "payload" && e.base === NFT_PAYLOAD_NETWORK_HEADER && e.dreg !== undefined) {
      regs.set(e.dreg, { kind: "payload", offset: e.offset, len: e.len });
    } else if (e.name === "bitwise" && e.sreg !== undefined && e.dreg !== undefined) {
      const src = regs.get(e.sreg);
      if (src) regs.set(e.dreg, { ...src, mask: e.mask });
    } else if (e.name === "cmp" && e.sreg !== undefined) {
      const reg = regs.get(e.sreg);
      if (reg) nfproto = applyCmp(e, reg, nfproto, out);
    }
  }
  return out;
}
