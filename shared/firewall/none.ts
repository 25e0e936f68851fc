// The FirewallDriver that programs nothing, for a node whose firewall is managed by someone else
// (netavark's fwnone): setups and teardowns succeed without touching the kernel, checks pass, nothing
// conflicts, and it is always available.
import type { FirewallDriver, PortConflict } from "./types.ts";

export class NoneFirewall implements FirewallDriver {
  readonly name = "none" as const;
  available(): boolean {
    return true;
  }
  setupIPMasq(): void {}
  teardownIPMasq(): void {}
  checkIPMasq(): void {}
  gcIPMasq(): void {}
  setupPortForward(): void {}
  teardownPortForward(): void {}
  checkPortForward(): void {}
  findPortConflicts(): PortConflict[] {
    return [];
  }
  gcPortForward(): void {}
  setupSpoofCheck(): void {}
  teardownSpoofCheck(): void {}
  checkSpoofCheck(): void {}
  gcSpoofCheck(): void {}
  teardownLegacyIPMasq(): void {}
  teardownLegacyPortForward(): void {}
  setupForward(): void {}
  teardownForward(): void {}
  checkForward(): void {}
  setupIngressPolicy(): void {}
  gcForward(): void {}
}
