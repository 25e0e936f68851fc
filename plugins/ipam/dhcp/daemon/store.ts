// Lease persistence: one JSON file per lease in the state directory (mode 0700, files 0600), written
// atomically (temp file, fsync, rename, fsync of the directory), so a daemon killed at any instant
// leaves either the old or the new record, never a torn one. Read back at start to resume renewing.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { sha512Hex } from "../../../../shared/hash.ts";
import type { Attachment, LeaseParams } from "../protocol.ts";
import type { PodLink } from "./link.ts";

export const RECORD_VERSION = 1;

export interface LeaseRecord {
  version: number;
  clientId: string;
  attachment: Attachment;
  link: PodLink;
  broadcast: boolean;
  params: LeaseParams;
  /** the last DHCPACK, base64 */
  ack: string;
  /** hex, colon-separated */
  serverMac: string;
  /** when the last ACK arrived (epoch ms); the lease timers count from here */
  boundAt: number;
  /** lost: refused (NAK) or expired; the interface was set down; kept until DEL */
  state: "bound" | "lost";
}

const fileOf = (clientId: string): string => `${sha512Hex(clientId).slice(0, 40)}.json`;

export class LeaseStore {
  constructor(readonly dir: string) {}

  init(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  save(rec: LeaseRecord): void {
    const name = fileOf(rec.clientId);
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    const fd = openSync(tmp, "w", 0o600);
    try {
      const bytes = Buffer.from(JSON.stringify(rec) + "\n");
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name));
    this.syncDir();
  }

  remove(clientId: string): void {
    try {
      unlinkSync(join(this.dir, fileOf(clientId)));
      this.syncDir();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }

  /** Every readable record; unreadable or foreign files are reported and skipped, temp files removed. */
  load(warn: (msg: string) => void): LeaseRecord[] {
    const out: LeaseRecord[] = [];
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (name.endsWith(".tmp")) {
        unlinkSync(path); // a write cut short by a crash; the previous record (if any) is intact
        continue;
      }
      if (!name.endsWith(".json")) continue;
      try {
        const rec = JSON.parse(readFileSync(path, "utf8")) as LeaseRecord;
        if (rec.version !== RECORD_VERSION || typeof rec.clientId !== "string" || fileOf(rec.clientId) !== name) throw new Error("not a lease record");
        out.push(rec);
      } catch (e) {
        warn(`skipping lease file ${path}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  private syncDir(): void {
    const fd = openSync(this.dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
