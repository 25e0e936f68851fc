// The one error the pure codec throws for malformed bytes. Names the offending byte offset.

export class NetlinkDecodeError extends Error {
  constructor(
    readonly what: string,
    readonly offset: number,
  ) {
    super(`netlink decode: ${what} at byte ${offset}`);
    this.name = "NetlinkDecodeError";
  }
}
