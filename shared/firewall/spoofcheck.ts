// bridge `macspoofchk` on the system nftables runner (libnftables writes, nfnetlink reads) in the
// calling thread's netns. Layout and logic: spoofcheck-rules.ts.
import { hasSpoofCheckWith, setupSpoofCheckWith, teardownSpoofCheckWith, type SpoofCheck } from "./spoofcheck-rules.ts";
import { systemNft } from "./system-nft.ts";

export { spoofChainName, spoofComment, spoofSetupText, type SpoofCheck } from "./spoofcheck-rules.ts";

export function setupSpoofCheck(s: SpoofCheck): void {
  setupSpoofCheckWith(systemNft, s);
}

/** Removes the jump (by comment) and the per-attachment chain; missing pieces are fine. */
export function teardownSpoofCheck(uniqueId: string): void {
  teardownSpoofCheckWith(systemNft, uniqueId);
}

/** True when the jump for uniqueId is present. */
export function hasSpoofCheck(uniqueId: string): boolean {
  return hasSpoofCheckWith(systemNft, uniqueId);
}
