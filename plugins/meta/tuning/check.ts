// CHECK: every configured sysctl reads back its value (IFNAME substituted: the 1.1.1 reference forgot
// that), and the interface has the configured MAC, MTU, allmulti and txqueuelen; promisc is on when
// configured and off otherwise (as the reference).
import { internalError, invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { TuningConfig } from "./config.ts";
import { tuningConfigOf } from "./context.ts";
import type { PodLink, PodTuning, TuningDeps } from "./deps.ts";

function checkSysctls(pod: PodTuning, cfg: TuningConfig): void {
  for (const s of cfg.sysctls) {
    const now = pod.readSysctl(s.path);
    if (now !== s.value) {
      throw internalError(`Error: Tuning configured value of /proc/sys/${s.path} is ${s.value}, current value is ${now}`);
    }
  }
}

function expectSame(ifname: string, what: string, want: unknown, now: unknown): void {
  if (want !== now) throw internalError(`Error: Tuning configured ${what} of ${ifname} is ${want}, current value is ${now}`);
}

function checkLink(link: PodLink, ifname: string, cfg: TuningConfig): void {
  if (cfg.mac !== undefined) expectSame(ifname, "Ethernet", cfg.mac, link.mac);
  expectSame(ifname, "promisc", cfg.promisc, link.promisc);
  if (cfg.mtu !== 0) expectSame(ifname, "MTU", cfg.mtu, link.mtu);
  if (cfg.allmulti !== undefined) expectSame(ifname, "all-multicast mode", cfg.allmulti, link.allmulti);
  if (cfg.txQLen !== undefined) expectSame(ifname, "transmit queue length", cfg.txQLen, link.txqlen);
}

export function cmdCheck(ctx: CmdContext, deps: TuningDeps): void {
  const cfg = tuningConfigOf(ctx, deps, { duplicates: true });
  if (!ctx.conf.prevResult) throw invalidConfig("Required prevResult missing");
  const pod = deps.openPod(ctx.netns);
  try {
    checkSysctls(pod, cfg);
    const link = pod.link(ctx.ifname);
    if (!link) throw internalError(`Cannot find container link ${ctx.ifname}`);
    checkLink(link, ctx.ifname, cfg);
  } finally {
    pod.close();
  }
}
