/**
 * The statuses of recent updates and rollbacks, by id: the running ones and the last `limit` that
 * ended. Each change replaces the status object (snapshots are never mutated after they are
 * handed out), goes to the board's sink and to the watchers of that id. A watcher that arrives
 * late first gets the current state; one that throws is dropped, never the update.
 */
import { DaemonError } from '../../../shared/index.js';
import type { UpdatePhase, UpdateStatus } from './types.js';

export const STATUS_HISTORY_LIMIT = 100;

export type StatusListener = (status: UpdateStatus) => void;

const TERMINAL: ReadonlySet<UpdatePhase> = new Set(['completed', 'failed', 'rolled_back']);

export function isTerminal(phase: UpdatePhase): boolean {
  return TERMINAL.has(phase);
}

interface Entry {
  status: UpdateStatus;
  listeners: Set<StatusListener>;
  waiters: Array<(status: UpdateStatus) => void>;
}

export class StatusBoard {
  /** Insertion order is start order: eviction takes the oldest ended entry. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly sink: StatusListener,
    private readonly warn: (message: string) => void,
    private readonly limit = STATUS_HISTORY_LIMIT,
  ) {}

  add(status: UpdateStatus): void {
    this.entries.set(status.id, { status, listeners: new Set(), waiters: [] });
    this.publish(status, new Set());
    this.evict();
  }

  /** Replaces the status (the caller builds the next snapshot) and tells everyone. */
  set(status: UpdateStatus): void {
    const entry = this.entries.get(status.id);
    if (!entry) return;
    entry.status = status;
    this.publish(status, entry.listeners);
    if (isTerminal(status.phase)) {
      entry.listeners.clear();
      const waiters = entry.waiters.splice(0);
      for (const resolve of waiters) resolve(status);
      this.evict();
    }
  }

  get(id: string): UpdateStatus {
    return this.entry(id).status;
  }

  watch(id: string, listener: StatusListener): () => void {
    const entry = this.entry(id);
    this.call(listener, entry.status);
    if (isTerminal(entry.status.phase)) return () => undefined;
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
    };
  }

  waitFor(id: string): Promise<UpdateStatus> {
    const entry = this.entry(id);
    if (isTerminal(entry.status.phase)) return Promise.resolve(entry.status);
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) {
      throw new DaemonError(
        'not_found',
        `no update with id "${id}" (only the last ${this.limit} are kept)`,
        {
          details: { id },
        },
      );
    }
    return entry;
  }

  private publish(status: UpdateStatus, listeners: Set<StatusListener>): void {
    this.call(this.sink, status);
    for (const listener of [...listeners]) {
      if (!this.call(listener, status)) listeners.delete(listener);
    }
  }

  /** False when the listener threw. */
  private call(listener: StatusListener, status: UpdateStatus): boolean {
    try {
      listener(status);
      return true;
    } catch (error) {
      this.warn(`an update status listener failed: ${(error as Error).message}`);
      return false;
    }
  }

  /** Drops the oldest ended statuses beyond the limit; running ones always stay. */
  private evict(): void {
    let excess = this.entries.size - this.limit;
    for (const [id, entry] of this.entries) {
      if (excess <= 0) break;
      if (!isTerminal(entry.status.phase)) continue;
      this.entries.delete(id);
      excess--;
    }
  }
}
