// A FirewallDriver that does nothing: for configurations that must not touch the firewall.
import type { FirewallDriver, PortConflict } from "./types.ts";

export class NoneFirewall implements FirewallDriver {
  readonly name = "none" as const;
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
}
