export {};
// The crash-at-every-step test (chaos.crash.test.ts) for the plugins whose kernel features the CI
// machine may lack (ipvlan, 802.1Q vlan, dummy, vrf): scripts/test-vm runs this file in the QEMU VM,
// where every one of them must run. On a host without them each scenario reports itself skipped.
const saved = process.env.TSCNI_CHAOS_ONLY;
process.env.TSCNI_CHAOS_ONLY = saved ?? "ipvlan,vlan,dummy,vrf";
try {
  await import("./chaos.crash.test.ts");
} finally {
  if (saved === undefined) delete process.env.TSCNI_CHAOS_ONLY;
  else process.env.TSCNI_CHAOS_ONLY = saved;
}
