// How ops name a link: by ifindex, by name (where the kernel resolves names), or by a decoded Link.

/** An ifindex, or an object carrying one (a decoded Link); name is used in error messages. */
export type IndexRef = number | { readonly ifindex: number; readonly name?: string };

/** IndexRef, or an interface name resolved by the kernel (RTM_SETLINK/DELLINK/GETLINK only). */
export type LinkRef = IndexRef | string;

export function indexOf(ref: IndexRef): number {
  const i = typeof ref === "number" ? ref : ref.ifindex;
  if (!Number.isInteger(i) || i <= 0 || i > 0x7fff_ffff) throw new RangeError(`invalid ifindex: ${i}`);
  return i;
}

/** "veth3f2a" or "ifindex 7". */
export function labelOf(ref: LinkRef): string {
  if (typeof ref === "string") return ref;
  if (typeof ref === "number") return `ifindex ${ref}`;
  return ref.name || `ifindex ${ref.ifindex}`;
}

function utf8Length(s: string): number {
  return /^[\x00-\x7f]*$/.test(s) ? s.length : new TextEncoder().encode(s).length;
}

/** Kernel dev_valid_name(): 1-15 bytes, not "." or "..", no '/', ':' or whitespace. */
export function checkLinkName(name: string): string {
  if (
    name.length === 0 ||
    utf8Length(name) > 15 ||
    name === "." ||
    name === ".." ||
    /[/:\s\0]/.test(name)
  ) {
    throw new RangeError(`invalid interface name "${name}"`);
  }
  return name;
}

/** ifindex/name fields of a link request for ref. */
export function linkTarget(ref: LinkRef): { ifindex?: number; name?: string } {
  return typeof ref === "string" ? { name: checkLinkName(ref) } : { ifindex: indexOf(ref) };
}
