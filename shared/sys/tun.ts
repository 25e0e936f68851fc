// TAP devices through the kernel's tun driver (/dev/net/tun ioctls), never by exec'ing `ip`: what
// `ip tuntap add mode tap` does, in-process. The device is created in the netns of the calling
// thread (the driver takes the opener's netns), so call createTap inside withNetns.
import { existsSync } from "node:fs";
import { closeFd, ioctlInt, ioctlPtr, openFd, SysError } from "./libc.ts";

const TUN_DEVICE = "/dev/net/tun";
const O_RDWR = 2;
const IFNAMSIZ = 16;
const IFREQ_LEN = 40;

// linux/if_tun.h: _IOW('T', n, int)
const TUNSETIFF = 0x400454ca;
const TUNSETPERSIST = 0x400454cb;
const TUNSETOWNER = 0x400454cc;
const TUNSETGROUP = 0x400454ce;

const IFF_TAP = 0x0002;
const IFF_MULTI_QUEUE = 0x0100;
const IFF_NO_PI = 0x1000;
/** fail with EBUSY instead of attaching to an existing device of that name */
const IFF_TUN_EXCL = 0x8000;
const EBUSY = 16;
const EEXIST = 17;

interface TapOptions {
  name: string;
  /** IFF_MULTI_QUEUE */
  multiQueue: boolean;
  /** uid allowed to attach (TUNSETOWNER); undefined = any */
  owner?: number;
  /** gid allowed to attach (TUNSETGROUP); undefined = any */
  group?: number;
}

/** The tun driver is missing (no CONFIG_TUN, or no /dev/net/tun in this mount namespace). */
class TunUnavailableError extends Error {
  constructor() {
    super(`${TUN_DEVICE} does not exist: the kernel has no tun/tap support (CONFIG_TUN) or the device node is missing`);
    this.name = "TunUnavailableError";
  }
}

function ifreq(name: string, flags: number): Uint8Array {
  const b = new Uint8Array(IFREQ_LEN);
  const bytes = new TextEncoder().encode(name);
  if (bytes.length >= IFNAMSIZ) throw new RangeError(`interface name "${name}" is too long`);
  b.set(bytes, 0);
  new DataView(b.buffer).setUint16(IFNAMSIZ, flags, true);
  return b;
}

/**
 * Creates a persistent TAP device (IFF_TAP | IFF_NO_PI, as iproute2's default; the process that later
 * attaches chooses its own vnet_hdr) in the calling thread's netns. A name already taken throws a
 * SysError with errno EEXIST (never attaches to an existing device).
 */
export function createTap(o: TapOptions): void {
  if (!existsSync(TUN_DEVICE)) throw new TunUnavailableError();
  const fd = openFd(TUN_DEVICE, O_RDWR);
  try {
    const flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | (o.multiQueue ? IFF_MULTI_QUEUE : 0);
    try {
      ioctlPtr(fd, TUNSETIFF, ifreq(o.name, flags), `create tap ${o.name}`);
    } catch (e) {
      if (e instanceof SysError && e.errno === EBUSY) throw new SysError(`create tap ${o.name}`, EEXIST);
      throw e;
    }
    if (o.owner !== undefined) ioctlInt(fd, TUNSETOWNER, o.owner, `set owner ${o.owner} of tap ${o.name}`);
    if (o.group !== undefined) ioctlInt(fd, TUNSETGROUP, o.group, `set group ${o.group} of tap ${o.name}`);
    ioctlInt(fd, TUNSETPERSIST, 1, `make tap ${o.name} persistent`);
  } finally {
    closeFd(fd);
  }
}
