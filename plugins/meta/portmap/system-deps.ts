// The production PortmapDeps: the firewall layer over libnftables (in this process, in the node's
// netns), ctnetlink for conntrack, rtnetlink + /proc/sys for route_localnet.
import { writeSync } from "node:fs";
import { teardownLegacyIptablesPortmap } from "../../../shared/firewall/iptables.ts";
import { systemNft } from "../../../shared/firewall/nft.ts";
import { checkPortForward, gcPortForward, setupPortForward, teardownPortForward } from "../../../shared/firewall/portmap.ts";
import { nftBackend } from "../../../shared/sys/nftables.ts";
import { deleteConntrackForDstPorts } from "./conntrack.ts";
import { IPPROTO_UDP } from "./conntrack-codec.ts";
import type { PortmapDeps } from "./deps.ts";
import { enableLocalnetFor } from "./localnet.ts";

const AF_INET = 2;
const AF_INET6 = 10;

export const systemDeps: PortmapDeps = {
  setupPortForward: (setup, network) => setupPortForward(systemNft, setup, network),
  teardownPortForward: (cid, network) => teardownPortForward(systemNft, cid, network),
  checkPortForward: (setup, network) => checkPortForward(systemNft, setup, network),
  gcPortForward: (network, valid) => gcPortForward(systemNft, network, valid),
  teardownLegacyIptables: (network, cid) => teardownLegacyIptablesPortmap(network, cid, systemNft),
  enableLocalnet: (ip) => enableLocalnetFor(ip),
  deleteUdpConntrack: (families, ports) =>
    deleteConntrackForDstPorts(families.map((f) => (f === 4 ? AF_INET : AF_INET6)), IPPROTO_UDP, ports),
  nftablesAvailable: () => nftBackend() !== "none",
  log: (line) => {
    try {
      writeSync(2, `portmap: ${line}\n`);
    } catch {
      // stderr closed: the message is informative only
    }
  },
};
