// The nftables FirewallDriver: writes through libnftables in-process (shared/sys/nftables.ts, `nft -f -`
// fallback), reads through targeted nfnetlink requests (system-nft.ts). All calls act on the calling
// thread's network namespace; each operation is one nft transaction.
import { teardownLegacyIptablesMasq, teardownLegacyIptablesPortmap } from "./iptables.ts";
import * as masq from "./masquerade.ts";
import * as portmap from "./portmap.ts";
import { systemNft } from "./system-nft.ts";
import type {
  FirewallDriver, MasqAttachment, MasqSetup, NftRunner, PortConflict, PortForwardSetup, ValidAttachment,
} from "./types.ts";

/** The production runner. */
export { systemNft };

export class NftFirewall implements FirewallDriver {
  readonly name = "nftables" as const;
  constructor(private readonly nft: NftRunner = systemNft) {}

  setupIPMasq(setup: MasqSetup): void {
    masq.setupIPMasq(this.nft, setup);
  }
  teardownIPMasq(a: MasqAttachment): void {
    masq.teardownIPMasq(this.nft, a);
  }
  checkIPMasq(setup: MasqSetup): void {
    masq.checkIPMasq(this.nft, setup);
  }
  gcIPMasq(network: string, valid: readonly ValidAttachment[]): void {
    masq.gcIPMasq(this.nft, network, valid);
  }
  setupPortForward(setup: PortForwardSetup): void {
    portmap.setupPortForward(this.nft, setup);
  }
  teardownPortForward(containerId: string): void {
    portmap.teardownPortForward(this.nft, containerId);
  }
  checkPortForward(setup: PortForwardSetup): void {
    portmap.checkPortForward(this.nft, setup);
  }
  findPortConflicts(setup: PortForwardSetup): PortConflict[] {
    return portmap.findPortConflicts(this.nft, setup);
  }
  /** Reference iptables ipMasq chain for (network, containerId), v4 and v6; absent = no-op. */
  teardownLegacyIptablesMasq(network: string, containerId: string): void {
    teardownLegacyIptablesMasq(network, containerId, this.nft);
  }
  /** Reference iptables portmap CNI-DN-/CNI-SN- chains, v4 and v6; absent = no-op. */
  teardownLegacyIptablesPortmap(network: string, containerId: string): void {
    teardownLegacyIptablesPortmap(network, containerId, this.nft);
  }
}

const defaultDriver = new NftFirewall();

export const setupIPMasq = (s: MasqSetup): void => defaultDriver.setupIPMasq(s);
export const teardownIPMasq = (a: MasqAttachment): void => defaultDriver.teardownIPMasq(a);
export const checkIPMasq = (s: MasqSetup): void => defaultDriver.checkIPMasq(s);
export const gcIPMasq = (network: string, valid: readonly ValidAttachment[]): void => defaultDriver.gcIPMasq(network, valid);
export const setupPortForward = (s: PortForwardSetup): void => defaultDriver.setupPortForward(s);
export const teardownPortForward = (containerId: string): void => defaultDriver.teardownPortForward(containerId);
export const checkPortForward = (s: PortForwardSetup): void => defaultDriver.checkPortForward(s);
export const findPortConflicts = (s: PortForwardSetup): PortConflict[] => defaultDriver.findPortConflicts(s);
