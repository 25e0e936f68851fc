// SHA-512 and random hex without node:crypto: importing node:crypto costs 2-3 ms of start-up in a
// Bun-compiled binary (measured with hyperfine), more than a whole netlink round trip. Under Bun we
// use Bun.CryptoHasher; under Node (unit tests) the built-in module, fetched only when called.

interface Hasher {
  update(data: string): Hasher;
  digest(enc: "hex"): string;
}
type BunLike = { CryptoHasher: new (alg: string) => Hasher };
type NodeCrypto = { createHash(alg: string): { update(d: string, e: string): { digest(e: string): string } } };

export function sha512Hex(text: string): string {
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  if (bun) return new bun.CryptoHasher("sha512").update(text).digest("hex");
  const nodeCrypto = (process as unknown as { getBuiltinModule(id: string): NodeCrypto }).getBuiltinModule("node:crypto");
  return nodeCrypto.createHash("sha512").update(text, "utf8").digest("hex");
}

/** n random bytes as 2n lowercase hex characters (Web Crypto, available in Bun and Node). */
export function randomHex(n: number): string {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
