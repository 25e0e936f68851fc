// Names and comments derived from hashes, byte-for-byte as the reference plugins
// (containernetworking/plugins pkg/utils/netfilter.go, pkg/ip/ipmasq_nftables_linux.go), so rules
// written by either suite can be found and removed by the other. Pure: shared/hash.ts only.
import { sha512Hex } from "../hash.ts";

/** iptables chain names are at most 28 characters in the reference. */
const LEGACY_CHAIN_LENGTH = 28;
/** knftables.CommentLengthMax: the reference truncates nft comments to 128 bytes. */
const NFT_COMMENT_MAX = 128;
const SHA512_HEX_LENGTH = 128;

/** MustFormatHashWithPrefix: (prefix + hex(sha512(toHash))) cut to `length` characters. */
export function formatHashWithPrefix(length: number, prefix: string, toHash: string): string {
  if (prefix.length >= length || length > SHA512_HEX_LENGTH) {
    throw new RangeError(`hash length ${length} with prefix "${prefix}" is invalid`);
  }
  return (prefix + sha512Hex(toHash)).slice(0, length);
}

/** FormatChainName / MustFormatChainNameWithPrefix: "CNI-" + prefix + sha512(name + id), 28 chars. */
export function legacyChainName(network: string, containerId: string, prefix = ""): string {
  return formatHashWithPrefix(LEGACY_CHAIN_LENGTH, `CNI-${prefix}`, network + containerId);
}

/** FormatComment: Go's `name: %q id: %q` (names are plain ASCII here, so %q is a simple quote). */
export function legacyComment(network: string, containerId: string): string {
  return `name: ${goQuote(network)} id: ${goQuote(containerId)}`;
}

/** Go %q for printable ASCII: backslash and double quote escaped. */
function goQuote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** hashForNetwork: the first 16 hex chars of sha512(network). */
export function masqNetworkHash(network: string): string {
  return formatHashWithPrefix(16, "", network);
}

/** hashForInstance: hash16(network) + "-" + hash16(ifname + ":" + containerID). */
export function masqInstanceHash(network: string, ifname: string, containerId: string): string {
  return `${masqNetworkHash(network)}-${formatHashWithPrefix(16, "", `${ifname}:${containerId}`)}`;
}

/**
 * commentForInstance: "<instance hash>, net: <net>, if: <ifname>, id: <cid>" with double quotes
 * removed from the readable part, cut to 128 bytes (Go slices the string by bytes; we cut at the last
 * whole UTF-8 character, so a non-ASCII interface name never leaves half a character). Control
 * characters (legal in an interface name, impossible in an nft string) become "?". Only the hash
 * prefix identifies the attachment: DEL and GC match on it.
 */
export function masqComment(network: string, ifname: string, containerId: string): string {
  const strip = (s: string) => s.replaceAll('"', "").replace(/[\x00-\x1f\x7f]/g, "?");
  const full =
    `${masqInstanceHash(network, ifname, containerId)}, net: ${strip(network)}, ` +
    `if: ${strip(ifname)}, id: ${strip(containerId)}`;
  return truncateUtf8(full, NFT_COMMENT_MAX);
}

/** "<hash16>-<hash16>": the attachment's identity at the start of a tag written by attachmentTag. */
const INSTANCE_HASH = /^[0-9a-f]{16}-[0-9a-f]{16}(?=, |$)/;

/**
 * The tag that names an attachment on any kernel object tscni owns without a result cache (nft rule and
 * chain comments, a link's IFLA_IFALIAS): masqComment's encoding, so any legal network name, container
 * ID and interface name fits (at most 128 bytes, no `"`, no control characters) and its hash prefix
 * tells the network and the attachment apart.
 */
export function attachmentTag(network: string, ifname: string, containerId: string): string {
  return masqComment(network, ifname, containerId);
}

/** prefix + attachmentTag, cut to nft's 128-byte comment limit (the hash prefix always fits). */
export function prefixedTag(prefix: string, network: string, ifname: string, containerId: string): string {
  return truncateUtf8(prefix + attachmentTag(network, ifname, containerId), NFT_COMMENT_MAX);
}

/** The "<hash16>-<hash16>" a tag written by attachmentTag starts with; undefined for any other text. */
export function tagInstanceHash(tag: string): string | undefined {
  return INSTANCE_HASH.exec(tag)?.[0];
}

/**
 * GC's judge over tags: true for a tag of `network` whose attachment is not in `valid`. Another
 * network's tag, an untagged object (undefined) and text not written by attachmentTag are never stale.
 */
export function staleTagJudge(network: string, valid: readonly { containerId: string; ifname: string }[]): (tag: string | undefined) => boolean {
  const keep = new Set(valid.map((v) => masqInstanceHash(network, v.ifname, v.containerId)));
  const prefix = `${masqNetworkHash(network)}-`;
  return (tag) => {
    const id = tag === undefined ? undefined : tagInstanceHash(tag);
    return id !== undefined && id.startsWith(prefix) && !keep.has(id);
  };
}

/** The first characters of s whose UTF-8 encoding fits maxBytes (never half a character). */
function truncateUtf8(s: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // back off a continuation byte
  return new TextDecoder().decode(bytes.subarray(0, end));
}
