/**
 * The daemon's runtime ledger in `data/state.json`: which instances it runs (pid, the OS start
 * time and command line, port, version) and each process's desired count. A restarted daemon
 * reads it to adopt the children that are still its own. Written atomically and coalesced.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, type Clock, type CancelTimer } from '../../shared/index.js';
import type { ProcessIdentity } from '../driver/index.js';

export interface InstanceRecord {
  id: string;
  index: number;
  port: number;
  identity: ProcessIdentity;
  /** What was spawned (executable and arguments). */
  spawned?: { command: string; args: string[] } | undefined;
  startedAt: number;
  version?: string | undefined;
}

export interface ProcessRecord {
  /** The count the process should run (changed by scale/start/stop). */
  desired: number;
  /** `instances` from the config when `desired` was recorded; a config edit wins over it. */
  configuredInstances: number;
  instances: InstanceRecord[];
}

export interface LedgerData {
  version: 1;
  daemonPid: number;
  updatedAt: number;
  processes: Record<string, ProcessRecord>;
}

export type LedgerReadResult =
  | { kind: 'ok'; data: LedgerData }
  | { kind: 'missing' }
  | { kind: 'corrupt'; movedTo: string; reason: string };

export class Ledger {
  readonly path: string;
  private pending: CancelTimer | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly clock: Clock,
    private readonly snapshot: () => Record<string, ProcessRecord>,
    private readonly delayMs = 50,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.path = join(dataDir, 'state.json');
  }

  async read(): Promise<LedgerReadResult> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return { kind: 'missing' };
    }
    try {
      const data = JSON.parse(text) as LedgerData;
      if (data.version !== 1 || typeof data.processes !== 'object' || data.processes === null)
        throw new Error('unknown format');
      return { kind: 'ok', data };
    } catch (error) {
      const movedTo = `${this.path}.corrupt-${this.clock.now()}`;
      await rename(this.path, movedTo).catch(() => undefined);
      return { kind: 'corrupt', movedTo, reason: (error as Error).message };
    }
  }

  /** Schedules a write of the current snapshot (many changes in a burst make one write). */
  schedule(): void {
    if (this.pending) return;
    this.pending = this.clock.setTimeout(() => {
      this.pending = undefined;
      void this.flush();
    }, this.delayMs);
  }

  /** Writes now and waits for it (shutdown). */
  flush(): Promise<void> {
    this.pending?.();
    this.pending = undefined;
    const data: LedgerData = {
      version: 1,
      daemonPid: process.pid,
      updatedAt: this.clock.now(),
      processes: this.snapshot(),
    };
    this.writing = this.writing
      .then(() => writeFileAtomic(this.path, `${JSON.stringify(data, null, 2)}\n`, 0o600))
      .catch((error: Error) => this.onError(error));
    return this.writing;
  }
}
