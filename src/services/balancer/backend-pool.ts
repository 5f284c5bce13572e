/**
 * Every backend the balancers may send calls to: one entry per instance of a targeted process,
 * shared by all balancers (in-flight streams are a property of the instance, not of a listener).
 * An instance takes new calls while it is ready, not draining and not ejected by passive outlier
 * detection. Draining waits for its in-flight calls to end, up to a timeout.
 */
import {
  DEFAULT_OUTLIER_POLICY,
  FRESH_OUTLIER_STATE,
  isEjected,
  recordOutcome,
} from './outlier.js';
import type { OutlierPolicy, OutlierState } from './outlier.js';
import { CallStats, type CallStatsSnapshot } from './stats/index.js';
import type { BackendAddress, CallLease, CallOutcome } from './types.js';

export interface BackendInfo {
  /** The instance id. */
  readonly id: string;
  readonly process: string;
  readonly index: number;
  readonly host: string;
  readonly port: number;
}

export type BackendChange = 'joined' | 'left' | 'ejected' | 'draining' | 'drained';

export interface BackendView {
  id: string;
  process: string;
  index: number;
  address: string;
  /** ready: takes calls; draining: finishing its calls before it stops; ejected: failing, held out. */
  state: 'ready' | 'not_ready' | 'draining' | 'ejected';
  ejectedUntil?: number | undefined;
  stats: CallStatsSnapshot;
}

export interface DrainResult {
  drained: boolean;
  /** Calls still in flight when the drain ended (0 when drained). */
  remaining: number;
  waitedMs: number;
}

export class BackendEntry {
  ready = false;
  draining = false;
  inFlight = 0;
  outlier: OutlierState = FRESH_OUTLIER_STATE;
  readonly stats = new CallStats();
  address: BackendAddress;
  waiters: Array<() => void> = [];

  constructor(
    public info: BackendInfo,
    /** Calls started on any backend of this process, ever (a counter that never goes back). */
    readonly processTotal: { requests: number },
  ) {
    this.address = { id: info.id, host: info.host, port: info.port };
  }
}

export interface BackendPoolOptions {
  now: () => number;
  /** Schedules `fn` after `ms`; returns a cancel function (the daemon's Clock.setTimeout). */
  setTimeout: (fn: () => void, ms: number) => () => void;
  outlierPolicy?: OutlierPolicy;
  onChange?: (backend: BackendInfo, change: BackendChange, message: string) => void;
}

export class BackendPool {
  private readonly entries = new Map<string, BackendEntry>();
  private readonly processTotals = new Map<string, { requests: number }>();
  private readonly policy: OutlierPolicy;
  /** Bumped whenever the set of eligible backends may change; routers cache their candidates on it. */
  version = 0;

  constructor(private readonly options: BackendPoolOptions) {
    this.policy = options.outlierPolicy ?? DEFAULT_OUTLIER_POLICY;
  }

  /** Marks an instance ready (it joins) or not ready (it stops taking new calls, keeps its own). */
  setReady(info: BackendInfo, ready: boolean): void {
    let entry = this.entries.get(info.id);
    if (!entry) {
      if (!ready) return;
      let total = this.processTotals.get(info.process);
      if (!total) {
        total = { requests: 0 };
        this.processTotals.set(info.process, total);
      }
      entry = new BackendEntry(info, total);
      this.entries.set(info.id, entry);
    } else if (entry.info.port !== info.port || entry.info.host !== info.host) {
      entry.info = info;
      entry.address = { id: info.id, host: info.host, port: info.port };
    }
    if (ready && entry.draining) return; // on its way out: never back in
    if (entry.ready === ready) return;
    entry.ready = ready;
    if (ready) entry.outlier = FRESH_OUTLIER_STATE;
    this.version++;
    this.options.onChange?.(
      entry.info,
      ready ? 'joined' : 'left',
      ready ? `${info.id} joined (${info.host}:${info.port})` : `${info.id} left: not ready`,
    );
  }

  /** Stops sending new calls to an instance that is about to stop. */
  startDrain(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.draining) return;
    entry.draining = true;
    this.version++;
    this.options.onChange?.(
      entry.info,
      'draining',
      `${id} draining: no new calls, ${entry.inFlight} in flight`,
    );
  }

  /** Waits until the instance's in-flight calls are done, or `timeoutMs` passes. */
  drain(id: string, timeoutMs: number): Promise<DrainResult> {
    const entry = this.entries.get(id);
    if (!entry) return Promise.resolve({ drained: true, remaining: 0, waitedMs: 0 });
    this.startDrain(id);
    const started = this.options.now();
    const done = (drained: boolean): DrainResult => ({
      drained,
      remaining: entry.inFlight,
      waitedMs: this.options.now() - started,
    });
    if (entry.inFlight === 0) return Promise.resolve(this.drainedEvent(entry, done(true)));
    return new Promise((resolve) => {
      let settled = false;
      const finish = (drained: boolean): void => {
        if (settled) return;
        settled = true;
        cancel();
        entry.waiters = entry.waiters.filter((w) => w !== onIdle);
        resolve(this.drainedEvent(entry, done(drained)));
      };
      const onIdle = (): void => finish(true);
      const cancel = this.options.setTimeout(() => finish(false), timeoutMs);
      entry.waiters.push(onIdle);
    });
  }

  /** Forgets an instance that stopped. */
  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.version++;
    for (const waiter of entry.waiters.splice(0)) waiter();
    if (entry.ready && !entry.draining)
      this.options.onChange?.(entry.info, 'left', `${id} left: stopped`);
  }

  get(id: string): BackendEntry | undefined {
    return this.entries.get(id);
  }

  /**
   * The backends of `process` that may take a new call, by index. Ejected backends are held out
   * unless every ready backend is ejected (then all are used: better a failing backend than none,
   * Envoy's panic mode).
   */
  eligible(process: string, now: number): BackendEntry[] {
    const ready: BackendEntry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.info.process === process && entry.ready && !entry.draining) ready.push(entry);
    }
    ready.sort((a, b) => a.info.index - b.info.index);
    const healthy = ready.filter((e) => !isEjected(e.outlier, now));
    return healthy.length > 0 ? healthy : ready;
  }

  /** The earliest time an ejection among `process`'s backends ends (Infinity when none). */
  nextEjectionEnd(process: string, now: number): number {
    let next = Infinity;
    for (const entry of this.entries.values()) {
      if (entry.info.process === process && isEjected(entry.outlier, now))
        next = Math.min(next, entry.outlier.ejectedUntil);
    }
    return next;
  }

  /**
   * Claims a backend for one attempt of a call; `route` collects the call's outcome for its
   * route's stats, once per call: started by the first attempt (`retry` false), finished by the
   * attempt that does not hand the call on (`willRetry`).
   */
  lease(entry: BackendEntry, route: CallStats, retry = false): CallLease {
    entry.inFlight++;
    entry.stats.start();
    if (!retry) {
      entry.processTotal.requests++;
      route.start();
    }
    let finished = false;
    return {
      backend: entry.address,
      finish: (outcome: CallOutcome) => {
        if (finished) return;
        finished = true;
        this.finish(entry, route, outcome);
      },
    };
  }

  /** Every backend, by process name then index. */
  backends(): BackendEntry[] {
    return [...this.entries.values()].sort((a, b) =>
      a.info.process === b.info.process
        ? a.info.index - b.info.index
        : a.info.process < b.info.process
          ? -1
          : 1,
    );
  }

  /** Whether a backend takes new calls now, and if not, why. */
  stateOf(entry: BackendEntry, now = this.options.now()): BackendView['state'] {
    if (entry.draining) return 'draining';
    if (!entry.ready) return 'not_ready';
    return isEjected(entry.outlier, now) ? 'ejected' : 'ready';
  }

  views(): BackendView[] {
    const now = this.options.now();
    return this.backends().map((e) => {
      const state = this.stateOf(e, now);
      return {
        id: e.info.id,
        process: e.info.process,
        index: e.info.index,
        address: `${e.info.host}:${e.info.port}`,
        state,
        ...(state === 'ejected' ? { ejectedUntil: e.outlier.ejectedUntil } : {}),
        stats: e.stats.snapshot(),
      };
    });
  }

  /** Calls in flight to a process's backends, calls ever started on them, and its ready backends. */
  load(process: string): { inFlight: number; requests: number; ready: number } {
    let inFlight = 0;
    let ready = 0;
    for (const entry of this.entries.values()) {
      if (entry.info.process !== process) continue;
      inFlight += entry.inFlight;
      if (entry.ready && !entry.draining) ready++;
    }
    return { inFlight, requests: this.processTotals.get(process)?.requests ?? 0, ready };
  }

  private finish(entry: BackendEntry, route: CallStats, outcome: CallOutcome): void {
    entry.inFlight--;
    entry.stats.finish(outcome);
    if (outcome.willRetry !== true) route.finish(outcome);
    const now = this.options.now();
    const wasEjected = isEjected(entry.outlier, now);
    entry.outlier = recordOutcome(entry.outlier, outcome, now, this.policy);
    if (!wasEjected && isEjected(entry.outlier, now)) {
      this.version++;
      this.options.onChange?.(
        entry.info,
        'ejected',
        `${entry.info.id} ejected until ${new Date(entry.outlier.ejectedUntil).toISOString()}: ${
          outcome.connectFailed
            ? 'connection failed'
            : `${this.policy.consecutiveUnavailable} consecutive UNAVAILABLE`
        }`,
      );
    }
    if (entry.inFlight === 0 && entry.waiters.length > 0) {
      for (const waiter of entry.waiters.splice(0)) waiter();
    }
  }

  private drainedEvent(entry: BackendEntry, result: DrainResult): DrainResult {
    this.options.onChange?.(
      entry.info,
      'drained',
      result.drained
        ? `${entry.info.id} drained in ${Math.round(result.waitedMs)} ms`
        : `${entry.info.id} drain timed out after ${Math.round(result.waitedMs)} ms with ${result.remaining} call(s) in flight`,
    );
    return result;
  }
}
