// Moving an existing node link into the pod netns and back, through a throw-away netns (as the
// reference v1.6+): the link is renamed only where nothing else lives, so neither its host name nor
// the pod's ifname can ever collide with a name in the other netns, and the host never sees it
// renamed. Its host name travels with it as the link's alias (IFLA_IFALIAS), which DEL reads.
//
//   node --(move)--> temp netns (rename to the temporary name, alias = host name) --(move)--> pod
//   pod  --(move)--> temp netns (rename to the alias, clear it) --(move)--> node
//
// Every step that fails sends the link back where it came from before the temp netns closes (a
// physical device left in a dying netns goes back to the initial netns; a virtual one is deleted).
import { internalError } from "../../../shared/cni/errors.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { isExists, isNotFound } from "../../../shared/netlink/errors.ts";
import { getLinkByIndex, getLinkByName, listLinks, setLinkAlias, setLinkName, setLinkNetns, setLinkUp, type Link } from "../../../shared/netlink/links.ts";
import { Netns } from "../../../shared/ns/netns.ts";
import type { PodHandles } from "../pod/handles.ts";
import { randomVethName } from "../pod/veth.ts";

interface TempNetns {
  ns: Netns;
  nl: NetlinkHandle;
}

const fail = (msg: string): never => {
  throw internalError(msg);
};

/** The name a returning link gets when its own is taken on the node: the kernel's next free devN. */
const FALLBACK_PATTERN = "dev%d";

function withTempNetns<T>(fn: (t: TempNetns) => T): T {
  const ns = Netns.createAnonymous();
  try {
    const nl = NetlinkHandle.open(ns);
    try {
      return fn({ ns, nl });
    } finally {
      nl.close();
    }
  } finally {
    ns.close();
  }
}

/** The link being carried: the only one in the temp netns besides lo. */
function carried(t: TempNetns): Link | undefined {
  return listLinks(t.nl).find((l) => l.name !== "lo");
}

/** Renames the carried link, sets its alias and moves it into the netns of targetFd. */
function sendOn(t: TempNetns, link: Link, targetFd: number, name: string, alias: string): void {
  if (link.name !== name) setLinkName(t.nl, link, name);
  if ((link.alias ?? "") !== alias) setLinkAlias(t.nl, link, alias);
  setLinkNetns(t.nl, link, targetFd);
}

/** Runs step; if it throws, runs recover (its own failure is added to the message) and rethrows. */
function orRecover(step: () => void, recover: () => void): void {
  try {
    step();
  } catch (e) {
    try {
      recover();
    } catch (r) {
      throw internalError(`${e instanceof Error ? e.message : String(e)}; and failed to put the link back: ${r instanceof Error ? r.message : String(r)}`);
    }
    throw e;
  }
}

/** Puts a node link back as it was (name, alias, up) from the temp netns. */
function backToNode(t: TempNetns, h: PodHandles, dev: Link): void {
  const link = carried(t);
  if (!link) return;
  sendOn(t, link, h.hostNs.fd, dev.name, dev.alias ?? "");
  if (dev.up) setLinkUp(h.host, dev.name);
}

/**
 * Moves the node link dev into the pod netns as tempName with alias = its node name. EEXIST when
 * tempName is taken in the pod (the link is back on the node then, as before: try another name).
 */
export function moveIntoPod(h: PodHandles, dev: Link, tempName: string): void {
  withTempNetns((t) => {
    setLinkNetns(h.host, dev, t.ns.fd);
    orRecover(
      () => sendOn(t, carried(t) ?? fail(`${dev.name} did not arrive in the temporary netns`), h.ctrNs.fd, tempName, dev.name),
      () => backToNode(t, h, dev),
    );
  });
}

/** Where a pod link goes home to: its node name and alias, and whether to set it up there. */
interface Home {
  name: string;
  alias: string;
  up: boolean;
}

/** What moveOutOfPod did: the link's name on the node, or "gone" when it was not in the pod any more. */
type Homecoming = { name: string } | "gone";

/**
 * Moves the pod link back to the node as home.name. If the node has that name taken now, the link
 * arrives under the kernel's next free devN, keeping home.name as its alias so an operator can tell.
 * On any other failure the link goes back into the pod under its pod name and the error is thrown.
 */
export function moveOutOfPod(h: PodHandles, link: Link, home: Home): Homecoming {
  return withTempNetns((t) => {
    try {
      setLinkNetns(h.ctr, link, t.ns.fd);
    } catch (e) {
      if (isNotFound(e)) return "gone";
      throw e;
    }
    const inTemp = carried(t) ?? fail(`${link.name} did not arrive in the temporary netns`);
    let name = home.name;
    orRecover(
      () => {
        try {
          sendOn(t, inTemp, h.hostNs.fd, home.name, home.alias);
        } catch (e) {
          if (!isExists(e)) throw e;
          name = arriveUnderFallbackName(t, h, home.name);
        }
      },
      () => {
        const back = carried(t);
        if (back) sendOn(t, back, h.ctrNs.fd, link.name, link.alias ?? "");
      },
    );
    if (home.up) setLinkUp(h.host, name);
    return { name };
  });
}

/** The node has `wanted` already: move in under a unique name, then let the kernel pick devN. */
function arriveUnderFallbackName(t: TempNetns, h: PodHandles, wanted: string): string {
  const link = carried(t) ?? fail(`the link to return as ${wanted} left the temporary netns`);
  const unique = randomVethName();
  sendOn(t, link, h.hostNs.fd, unique, wanted);
  const onNode = getLinkByName(h.host, unique) ?? fail(`failed to find ${unique} on the node`);
  setLinkName(h.host, onNode, FALLBACK_PATTERN);
  return getLinkByIndex(h.host, onNode.ifindex)?.name ?? fail(`failed to find ifindex ${onNode.ifindex} on the node`);
}
