// A minimal CRI v1 client over containerd's unix socket (what kubelet speaks), for the end-to-end
// test: the pod sandbox calls only, typed by hand from runtime-v1.proto.
import { credentials, loadPackageDefinition, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { join } from "node:path";

export interface PortMapping {
  protocol: "TCP" | "UDP" | "SCTP";
  containerPort: number;
  hostPort: number;
  hostIp?: string;
}

export interface SandboxConfig {
  metadata: { name: string; uid: string; namespace: string; attempt?: number };
  hostname?: string;
  portMappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: { cgroupParent?: string };
}

export interface SandboxStatus {
  id: string;
  state: "SANDBOX_READY" | "SANDBOX_NOTREADY";
  network?: { ip: string; additionalIps: Array<{ ip: string }> };
}

type Callback<T> = (err: ServiceError | null, res: T) => void;
type Rpc<Req, Res> = (req: Req, cb: Callback<Res>) => void;

interface RuntimeServiceClient {
  Version: Rpc<{ version: string }, { runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }>;
  RunPodSandbox: Rpc<{ config: SandboxConfig; runtimeHandler?: string }, { podSandboxId: string }>;
  StopPodSandbox: Rpc<{ podSandboxId: string }, object>;
  RemovePodSandbox: Rpc<{ podSandboxId: string }, object>;
  PodSandboxStatus: Rpc<{ podSandboxId: string; verbose: boolean }, { status: SandboxStatus; info: Record<string, string> }>;
  close(): void;
}

function call<Req, Res>(rpc: Rpc<Req, Res>, self: RuntimeServiceClient, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => rpc.call(self, req, (err, res) => (err ? reject(err) : resolve(res))));
}

export class CriClient {
  private readonly c: RuntimeServiceClient;

  constructor(socket: string) {
    const def = loadSync(join(__dirname, "runtime-v1.proto"), { keepCase: false, longs: Number, enums: String, defaults: true });
    const pkg = loadPackageDefinition(def) as unknown as {
      runtime: { v1: { RuntimeService: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => RuntimeServiceClient } };
    };
    this.c = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, credentials.createInsecure());
  }

  version() {
    return call(this.c.Version, this.c, { version: "v1" });
  }
  async runPodSandbox(config: SandboxConfig): Promise<string> {
    return (await call(this.c.RunPodSandbox, this.c, { config })).podSandboxId;
  }
  async status(id: string): Promise<{ status: SandboxStatus; info: Record<string, string> }> {
    return call(this.c.PodSandboxStatus, this.c, { podSandboxId: id, verbose: true });
  }
  async stop(id: string): Promise<void> {
    await call(this.c.StopPodSandbox, this.c, { podSandboxId: id });
  }
  async remove(id: string): Promise<void> {
    await call(this.c.RemovePodSandbox, this.c, { podSandboxId: id });
  }
  close(): void {
    this.c.close();
  }
}
