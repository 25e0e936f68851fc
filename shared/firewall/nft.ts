// The nftables FirewallDriver over an NftRunner: writes are nft text applied as one transaction,
// reads targeted nfnetlink requests. Production passes the system runner (system.ts builds it in a
// plugin's entry); unit tests pass a fake. All calls act on the calling thread's network namespace.
import { teardownLegacyIptablesMasq, teardownLegacyIptablesPortmap } from "./iptables.ts";
import * as forward from "./forward.ts";
import * as masq from "./masquerade.ts";
import * as portmap from "./portmap.ts";
import * as spoof from "./spoofcheck.ts";
import type {
  FirewallDriver, ForwardSetup, ForwardTeardown, IngressPolicySetup, IptablesRunner, MasqAttachment, MasqSetup, NftRunner, PortConflict,
  PortForwardSetup, SpoofCheck, SpoofCheckEntry, ValidAttachment,
} from "./types.ts";

/** No iptables on the node: the firewall meta plugin's rules all go to nftables. */
const NO_IPTABLES: IptablesRunner = {
  flavorsWith: () => [],
  save: () => undefined,
  restore: () => ({ ok: false, error: "iptables is not available" }),
};

export class NftFirewall implements FirewallDriver {
  readonly name = "nftables" as const;
  /** `ipt`: the iptables binaries, used only by the firewall meta plugin where an iptables FORWARD chain exists. */
  constructor(
    private readonly nft: NftRunner,
    private readonly ipt: IptablesRunner = NO_IPTABLES,
  ) {}

  available(): boolean {
    return this.nft.available();
  }

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

  setupPortForward(setup: PortForwardSetup, network: string): void {
    portmap.setupPortForward(this.nft, setup, network);
  }
  teardownPortForward(containerId: string, network: string): void {
    portmap.teardownPortForward(this.nft, containerId, network);
  }
  checkPortForward(setup: PortForwardSetup, network: string): void {
    portmap.checkPortForward(this.nft, setup, network);
  }
  findPortConflicts(setup: PortForwardSetup, network: string): PortConflict[] {
    return portmap.findPortConflicts(this.nft, setup, network);
  }
  gcPortForward(network: string, validContainerIds: ReadonlySet<string>): void {
    portmap.gcPortForward(this.nft, network, validContainerIds);
  }

  setupSpoofCheck(s: SpoofCheck): void {
    spoof.setupSpoofCheck(this.nft, s);
  }
  teardownSpoofCheck(a: MasqAttachment): void {
    spoof.teardownSpoofCheck(this.nft, a);
  }
  checkSpoofCheck(a: MasqAttachment): void {
    spoof.checkSpoofCheck(this.nft, a);
  }
  gcSpoofCheck(network: string, valid: readonly ValidAttachment[], legacyStale: (entry: SpoofCheckEntry) => boolean): void {
    spoof.gcSpoofCheck(this.nft, network, valid, legacyStale);
  }

  /** The runner lets it skip forking iptables when no such chain can exist (the common case). */
  teardownLegacyIPMasq(network: string, containerId: string): void {
    teardownLegacyIptablesMasq(network, containerId, this.nft);
  }
  teardownLegacyPortForward(network: string, containerId: string): void {
    teardownLegacyIptablesPortmap(network, containerId, this.nft);
  }

  setupForward(s: ForwardSetup): void {
    forward.setupForward(this.nft, this.ipt, s);
  }
  teardownForward(t: ForwardTeardown): void {
    forward.teardownForward(this.nft, this.ipt, t);
  }
  checkForward(s: ForwardSetup): void {
    forward.checkForward(this.nft, this.ipt, s);
  }
  setupIngressPolicy(p: IngressPolicySetup): void {
    forward.setupIngressPolicy(this.nft, this.ipt, p);
  }
  gcForward(network: string, validContainerIds: ReadonlySet<string>): void {
    forward.gcForward(this.nft, this.ipt, network, validContainerIds);
  }
}
