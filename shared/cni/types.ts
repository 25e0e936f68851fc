// The current (1.1.0) result types. Plugins produce and consume only these; shared/cni/version.ts
// converts to and from the older shapes at the skel boundary.

export const CURRENT_VERSION = "1.1.0";

export interface Interface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface IPConfig {
  /** index into Result.interfaces */
  interface?: number;
  /** CIDR: address/prefix */
  address: string;
  gateway?: string;
}

export interface Route {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface DNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface Result {
  cniVersion: string;
  interfaces?: Interface[];
  ips?: IPConfig[];
  routes?: Route[];
  dns?: DNS;
}

/** An attachment named in GC's cni.dev/valid-attachments. */
export interface Attachment {
  containerID: string;
  ifname: string;
}
