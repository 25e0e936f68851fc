// Every manifest under deploy/ against the Kubernetes schemas, strictly: kubernetes-models (validators
// generated from the Kubernetes OpenAPI schemas: types, required fields, formats) and, for unknown
// fields (which those schemas allow, as the API server's non-strict decoding does), a round trip
// through @kubernetes/client-node's generated models, which keep only the fields the API defines:
// whatever does not survive it is a field Kubernetes does not know (kubectl --validate=strict refuses
// those). The kind cluster config is checked against kind's v1alpha4 fields.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { ServiceAccount, ConfigMap, Pod } from "kubernetes-models/v1";
import { DaemonSet } from "kubernetes-models/apps/v1";
import { ClusterRole, ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { parseConfList } from "../../../cmd/run/conflist.ts";

const DEPLOY = join(__dirname, "../../../deploy");

interface Model {
  validate(): void;
}
/** apiVersion/kind -> the kubernetes-models class and the client-node model name */
const KINDS: Record<string, { make: (o: any) => Model; type: string }> = {
  "v1/ServiceAccount": { make: (o) => new ServiceAccount(o), type: "V1ServiceAccount" },
  "v1/ConfigMap": { make: (o) => new ConfigMap(o), type: "V1ConfigMap" },
  "v1/Pod": { make: (o) => new Pod(o), type: "V1Pod" },
  "apps/v1/DaemonSet": { make: (o) => new DaemonSet(o), type: "V1DaemonSet" },
  "rbac.authorization.k8s.io/v1/ClusterRole": { make: (o) => new ClusterRole(o), type: "V1ClusterRole" },
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": { make: (o) => new ClusterRoleBinding(o), type: "V1ClusterRoleBinding" },
};

/** Paths present in `orig` but absent from `kept` (the fields the API's models dropped). */
function dropped(orig: unknown, kept: unknown, path: string): string[] {
  if (Array.isArray(orig)) return orig.flatMap((v, i) => dropped(v, Array.isArray(kept) ? kept[i] : undefined, `${path}[${i}]`));
  if (orig === null || typeof orig !== "object") return [];
  const k = (kept ?? {}) as Record<string, unknown>;
  return Object.entries(orig).flatMap(([key, v]) => (key in k ? dropped(v, k[key], `${path}.${key}`) : [`${path}.${key}`]));
}

/** Problems with one Kubernetes object: schema errors, then unknown fields. */
function validateObject(doc: any): string[] {
  const spec = KINDS[`${doc.apiVersion}/${doc.kind}`];
  if (!spec) return [`no schema for ${doc.apiVersion} ${doc.kind}`];
  try {
    spec.make(doc).validate();
  } catch (e) {
    return [`schema: ${(e as Error).message}`];
  }
  const kept = ObjectSerializer.serialize(ObjectSerializer.deserialize(doc, spec.type, ""), spec.type, "");
  return dropped(doc, kept, "").map((p) => `unknown field ${p}`);
}

/** kind's Cluster v1alpha4, the fields used and their neighbours (a typo is an unknown field). */
const KIND_CLUSTER = {
  top: ["kind", "apiVersion", "name", "networking", "nodes", "featureGates", "runtimeConfig", "kubeadmConfigPatches", "containerdConfigPatches"],
  networking: ["ipFamily", "apiServerPort", "apiServerAddress", "podSubnet", "serviceSubnet", "disableDefaultCNI", "kubeProxyMode", "dnsSearch"],
  node: ["role", "image", "labels", "extraMounts", "extraPortMappings", "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902"],
};

function validateKindCluster(doc: any): string[] {
  const errs: string[] = [];
  const only = (o: object, allowed: string[], at: string) =>
    Object.keys(o).filter((k) => !allowed.includes(k)).forEach((k) => errs.push(`unknown field ${at}.${k}`));
  only(doc, KIND_CLUSTER.top, "");
  if (doc.networking) only(doc.networking, KIND_CLUSTER.networking, ".networking");
  if (typeof doc.networking?.disableDefaultCNI !== "boolean") errs.push(".networking.disableDefaultCNI: boolean required");
  for (const [i, n] of (doc.nodes ?? []).entries()) {
    only(n, KIND_CLUSTER.node, `.nodes[${i}]`);
    if (!["control-plane", "worker"].includes(n.role)) errs.push(`.nodes[${i}].role: ${n.role}`);
  }
  return errs;
}

function validateDoc(doc: any): string[] {
  if (doc?.apiVersion === "kind.x-k8s.io/v1alpha4" && doc.kind === "Cluster") return validateKindCluster(doc);
  return validateObject(doc);
}

function manifests(): Array<{ file: string; index: number; doc: any }> {
  const files = [...readdirSync(DEPLOY).map((f) => join(DEPLOY, f)), ...readdirSync(join(DEPLOY, "kind")).map((f) => join(DEPLOY, "kind", f))];
  return files
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(file, "utf8")).map((d, index) => {
        if (d.errors.length > 0) throw new Error(`${file}[${index}]: ${d.errors[0]!.message}`);
        return { file: file.slice(DEPLOY.length + 1), index, doc: d.toJS() };
      }),
    );
}

const pod = () => structuredClone(manifests().find((m) => m.doc.kind === "DaemonSet" && m.doc.metadata.name === "tscni")!.doc);

describe("deploy manifests", () => {
  const all = manifests();

  it("every document in deploy/ (tscni, dhcp daemon, kind cluster and pods) is known and valid", () => {
    expect(all.map((m) => `${m.file}: ${m.doc.kind}`)).toEqual(expect.arrayContaining([
      "tscni.yaml: DaemonSet", "tscni.yaml: ConfigMap", "tscni.yaml: ClusterRole", "dhcp-daemonset.yaml: DaemonSet", "kind/cluster.yaml: Cluster", "kind/test-pods.yaml: Pod",
    ]));
    for (const m of all) expect(validateDoc(m.doc), `${m.file}[${m.index}] ${m.doc.kind}`).toEqual([]);
  });

  it("validator: an unknown field anywhere, a wrong type, a missing required field -> refused", () => {
    const typo = pod();
    typo.spec.template.spec.initContainers[0].imagePullPolicyy = "Never";
    expect(validateDoc(typo)).toEqual([".spec.template.spec.initContainers[0].imagePullPolicyy"].map((p) => `unknown field ${p}`));
    const top = pod();
    top.spec.replicas = 2; // a Deployment field
    expect(validateDoc(top)).toEqual(["unknown field .spec.replicas"]);
    const wrong = pod();
    wrong.spec.template.spec.containers[0].image = 5;
    expect(validateDoc(wrong)[0]).toMatch(/^schema: .*image must be string/);
    const missing = pod();
    delete missing.spec.selector;
    expect(validateDoc(missing)[0]).toMatch(/^schema: .*selector/);
    expect(validateDoc({ ...all.find((m) => m.doc.kind === "Cluster")!.doc, networking: { disableDefaultCNl: true } })).toEqual([
      "unknown field .networking.disableDefaultCNl", ".networking.disableDefaultCNI: boolean required",
    ]);
  });

  it("kind cluster: no default CNI, a pod subnet, two workers for the cross-node check", () => {
    const c = all.find((m) => m.doc.kind === "Cluster")!.doc;
    expect(c.networking).toMatchObject({ disableDefaultCNI: true, podSubnet: "10.244.0.0/16" });
    expect(c.nodes.filter((n: any) => n.role === "worker")).toHaveLength(2);
  });

  it("ConfigMap: the conflist template is a valid conflist once __POD_CIDR__ is a node's podCIDR", () => {
    const cm = all.find((m) => m.doc.kind === "ConfigMap" && m.doc.metadata.name === "tscni-config")!.doc;
    const text = (cm.data["cni-conf.json"] as string).replaceAll("__POD_CIDR__", "10.244.1.0/24");
    const list = parseConfList(new TextEncoder().encode(text));
    expect(list.plugins.map((p) => p.type)).toEqual(["bridge", "portmap", "bandwidth"]);
    expect(text).toContain('"subnet": "10.244.1.0/24"');
  });

  it("DaemonSet: mounts the node's plugin and config dirs, installs in an init container, tolerates every taint", () => {
    const ds = pod().spec.template.spec;
    const paths = Object.fromEntries(ds.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
    expect(paths).toEqual({ "cni-bin": "/opt/cni/bin", "cni-net": "/etc/cni/net.d" });
    expect(ds.initContainers[0].args).toEqual(["install"]);
    expect(ds.hostNetwork).toBe(true);
    expect(ds.tolerations).toEqual([{ operator: "Exists" }]);
  });
});
