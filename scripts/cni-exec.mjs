#!/usr/bin/env node
// A small libcni stand-in: executes a conflist the way containerd/CRI-O/Podman do.
// ADD runs the plugins in order, feeding each the previous result; DEL runs them in reverse with the
// cached final ADD result as prevResult (libcni keeps it in /var/lib/cni/results; we keep it in
// CNI_CACHE_DIR); CHECK runs in order with the cached result.
// usage: cni-exec.mjs add|del|check <conflist.json> <netns-path> <containerID> [ifname]
// env: CNI_PLUGIN_DIR (default /opt/cni/bin), NODE_NETNS (run plugins inside this netns via nsenter),
//      CAP_ARGS (JSON capability args -> runtimeConfig), CNI_ARGS, CNI_CACHE_DIR (default /run/tscni-cache),
//      TIMINGS=1 (per-plugin ms on stderr)
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [verb, confPath, netns, cid, ifname = "eth0"] = process.argv.slice(2);
if (!["add", "del", "check"].includes(verb) || !confPath || !cid) {
  console.error("usage: cni-exec.mjs add|del|check <conflist.json> <netns-path> <containerID> [ifname]");
  process.exit(2);
}
const dir = process.env.CNI_PLUGIN_DIR || "/opt/cni/bin";
const list = JSON.parse(readFileSync(confPath, "utf8"));
const capArgs = process.env.CAP_ARGS ? JSON.parse(process.env.CAP_ARGS) : {};
const plugins = list.plugins ?? [list];
const cacheDir = process.env.CNI_CACHE_DIR || "/run/tscni-cache";
const cacheFile = join(cacheDir, `${list.name}-${cid}-${ifname}`);

function invoke(cmd, plugin, prev) {
  const conf = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (prev) conf.prevResult = prev;
  const rc = {};
  for (const [k, on] of Object.entries(plugin.capabilities ?? {})) if (on && capArgs[k] !== undefined) rc[k] = capArgs[k];
  if (Object.keys(rc).length) conf.runtimeConfig = rc;
  const env = {
    PATH: process.env.PATH, CNI_COMMAND: cmd, CNI_CONTAINERID: cid, CNI_NETNS: netns ?? "",
    CNI_IFNAME: ifname, CNI_PATH: dir, CNI_ARGS: process.env.CNI_ARGS ?? "",
  };
  const bin = join(dir, plugin.type);
  const [exe, args] = process.env.NODE_NETNS ? ["nsenter", [`--net=${process.env.NODE_NETNS}`, "--", bin]] : [bin, []];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(exe, args, { input: JSON.stringify(conf), env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (process.env.TIMINGS) process.stderr.write(`${cmd} ${plugin.type} ${ms.toFixed(2)}ms\n`);
  if (r.status !== 0) {
    process.stderr.write(`${cmd} ${plugin.type} failed (exit ${r.status}): ${r.stdout}${r.stderr}\n`);
    process.exit(1);
  }
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

function cached() {
  try {
    return JSON.parse(readFileSync(cacheFile, "utf8"));
  } catch {
    return undefined;
  }
}

if (verb === "add") {
  let prev;
  for (const p of plugins) prev = invoke("ADD", p, prev);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(prev));
  console.log(JSON.stringify(prev));
} else if (verb === "del") {
  const prev = cached();
  for (const p of [...plugins].reverse()) invoke("DEL", p, prev);
  rmSync(cacheFile, { force: true });
} else {
  const prev = cached();
  for (const p of plugins) invoke("CHECK", p, prev);
}
