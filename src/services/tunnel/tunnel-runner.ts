/**
 * Runs cloudflared's quick tunnel, keeps it running, and registers each new URL.
 *
 *            start()                 URL seen                 register ok
 *   stopped ─────────► starting ───────────────► registering ─────────────► connected
 *      ▲                 │   ▲                    │  ▲     │ register fails:     │
 *      │                 │   │ timer              │  └─────┘ retry after back-off │
 *      │ stop()     exit │   │                    │ exit                         │ exit
 *      │ (any state)     ▼   │                    ▼                              │
 *      └──────────────  backoff ◄─────────────────┴──────────────────────────────┘
 *
 * Every run gets a new URL, so on exit the URL and its accessToken are forgotten at once; the
 * next run's URL is registered afresh. The accessToken is held only for the daemon's own check of
 * tunnel requests (`accessToken()`); it never appears in a status, an event or an error.
 */
import { DaemonError, RingBuffer, type CancelTimer, type Clock } from '../../shared/index.js';
import type { RunRecord } from '../../core/index.js';
import { onLines } from './output-lines.js';
import {
  spawnCloudflared,
  type SpawnTunnel,
  type TunnelChild,
  type TunnelExit,
} from './spawn-cloudflared.js';
import {
  DEFAULT_TUNNEL_BACKOFF,
  registrationRetryDelay,
  tunnelRestartDelay,
  type TunnelBackoff,
} from './tunnel-backoff.js';
import {
  describeExit,
  describeSpawnError,
  forgetUrl,
  terminateRun,
  type Run,
} from './tunnel-run.js';
import type { TunnelEvent, TunnelStatus } from './tunnel-status.js';
import {
  parseTunnelUrl,
  tunnelArgs,
  type TunnelOrigin,
  type TunnelProtocol,
} from './tunnel-url.js';

export type RegisterTunnel = (url: string) => Promise<{ accessToken: string }>;

export interface TunnelRunnerOptions {
  binary: string;
  /** The daemon's HTTP port the tunnel forwards to. */
  port: number;
  protocol: TunnelProtocol;
  /** HTTPS and/or a specific address for the daemon's API (default http://localhost). */
  origin?: TunnelOrigin | undefined;
  clock: Clock;
  random?: () => number;
  spawn?: SpawnTunnel;
  /** Registers a URL with the auth worker; without it the tunnel runs unregistered. */
  register?: RegisterTunnel | undefined;
  onEvent: (event: TunnelEvent) => void;
  backoff?: TunnelBackoff;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  killAfterMs?: number;
}

export const RECENT_OUTPUT_LINES = 50;
/** Run records kept for the back-off decision; older ones cannot change a capped delay. */
const HISTORY_LIMIT = 32;

type Phase =
  | { kind: 'stopped' }
  | { kind: 'starting'; run: Run }
  | { kind: 'registering'; run: Run; nextAttemptAt?: number }
  | { kind: 'connected'; run: Run }
  | { kind: 'backoff'; nextAttemptAt: number; cancel: CancelTimer };

export class TunnelRunner {
  private readonly binary: string;
  private readonly args: string[];
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly spawnTunnel: SpawnTunnel;
  private readonly register: RegisterTunnel | undefined;
  private readonly onEvent: (event: TunnelEvent) => void;
  private readonly backoff: TunnelBackoff;
  private readonly killAfterMs: number;
  private readonly output = new RingBuffer<string>(RECENT_OUTPUT_LINES);
  private phase: Phase = { kind: 'stopped' };
  private since: number;
  private history: RunRecord[] = [];
  private restarts = 0;
  private lastError: string | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: TunnelRunnerOptions) {
    if (!options.binary) {
      throw new DaemonError('invalid_argument', 'the cloudflared binary path is empty');
    }
    this.binary = options.binary;
    this.args = tunnelArgs(options.port, options.protocol, options.origin);
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.spawnTunnel = options.spawn ?? spawnCloudflared();
    this.register = options.register;
    this.onEvent = options.onEvent;
    this.backoff = options.backoff ?? DEFAULT_TUNNEL_BACKOFF;
    this.killAfterMs = options.killAfterMs ?? 5000;
    this.since = this.clock.now();
  }

  /** Starts cloudflared; does nothing unless stopped. After stop(), await it before restarting. */
  start(): void {
    if (this.phase.kind !== 'stopped') return;
    this.stopping = undefined;
    this.launch();
  }

  /** SIGTERM, then SIGKILL after killAfterMs; no restart follows. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    const phase = this.phase;
    if (phase.kind === 'stopped') return Promise.resolve();
    if (phase.kind === 'backoff') phase.cancel();
    const run = phase.kind === 'backoff' ? undefined : phase.run;
    if (run) forgetUrl(run);
    this.setState({ kind: 'stopped' });
    this.stopping = (
      run ? terminateRun(run, this.clock, this.killAfterMs) : Promise.resolve()
    ).then(() => this.emit({ type: 'tunnel.stopped' }));
    return this.stopping;
  }

  status(): TunnelStatus {
    const phase = this.phase;
    const run = this.currentRun();
    const nextAttemptAt =
      phase.kind === 'backoff' || phase.kind === 'registering' ? phase.nextAttemptAt : undefined;
    return {
      state: phase.kind,
      ...(run?.url !== undefined && { url: run.url }),
      ...(run?.pid !== undefined && { pid: run.pid }),
      restarts: this.restarts,
      registered: this.accessToken() !== undefined,
      ...(nextAttemptAt !== undefined && { nextAttemptAt }),
      ...(this.lastError !== undefined && { lastError: this.lastError }),
      since: this.since,
    };
  }

  /** The current URL's accessToken, for checking requests that arrive through the tunnel. */
  accessToken(): string | undefined {
    return this.phase.kind === 'connected' ? this.phase.run.accessToken : undefined;
  }

  url(): string | undefined {
    return this.currentRun()?.url;
  }

  /** cloudflared's last output lines (its own logs), for diagnostics. */
  recentOutput(): string[] {
    return this.output.toArray();
  }

  private launch(): void {
    const startedAt = this.clock.now();
    let child: TunnelChild;
    try {
      child = this.spawnTunnel(this.binary, this.args);
    } catch (error) {
      this.onSpawnFailed(undefined, startedAt, error);
      return;
    }
    const run: Run = { child, startedAt, registrationFailures: 0 };
    this.setState({ kind: 'starting', run });
    onLines(child.stdout, (line) => this.onLine(run, line));
    onLines(child.stderr, (line) => this.onLine(run, line));
    child.spawned.then(
      (pid) => this.onSpawned(run, pid),
      (error: unknown) => this.onSpawnFailed(run, startedAt, error),
    );
    void child.exited.then((exit) => this.onExit(run, exit));
  }

  private onSpawned(run: Run, pid: number): void {
    run.pid = pid;
    if (this.isCurrent(run)) this.emit({ type: 'tunnel.started', pid });
  }

  private onSpawnFailed(run: Run | undefined, startedAt: number, error: unknown): void {
    if (run && !this.isCurrent(run)) return;
    const now = this.clock.now();
    this.record({ startedAt, exitedAt: now, failed: true });
    const message = describeSpawnError(this.binary, error);
    this.lastError = message;
    const restartInMs = this.scheduleRestart();
    this.emit({ type: 'tunnel.spawn_failed', message, restartInMs });
  }

  private onLine(run: Run, line: string): void {
    if (line.trim() === '') return;
    this.output.push(line);
    if (!this.isCurrent(run) || run.url !== undefined) return;
    const url = parseTunnelUrl(line);
    if (url !== undefined) this.onUrl(run, url);
  }

  private onUrl(run: Run, url: string): void {
    run.url = url;
    this.setState(this.register ? { kind: 'registering', run } : { kind: 'connected', run });
    this.emit({ type: 'tunnel.url', url });
    if (this.register) void this.registerUrl(run, this.register);
  }

  private async registerUrl(run: Run, register: RegisterTunnel): Promise<void> {
    const url = run.url;
    if (url === undefined) return;
    let accessToken: string;
    try {
      ({ accessToken } = await register(url));
      if (typeof accessToken !== 'string' || accessToken === '') {
        throw new Error('the auth worker answered without an accessToken');
      }
    } catch (error) {
      if (!this.isCurrent(run) || run.url !== url) return;
      this.onRegistrationFailed(run, register, error);
      return;
    }
    // The run ended or was stopped while registering: the token belongs to a dead URL.
    if (!this.isCurrent(run) || run.url !== url) return;
    run.accessToken = accessToken;
    run.registrationFailures = 0;
    this.setState({ kind: 'connected', run });
    this.emit({ type: 'tunnel.registered', url });
  }

  private onRegistrationFailed(run: Run, register: RegisterTunnel, error: unknown): void {
    run.registrationFailures++;
    const now = this.clock.now();
    const delay = registrationRetryDelay(run.registrationFailures, this.backoff, now, this.random);
    const message = error instanceof Error ? error.message : String(error);
    this.lastError = `tunnel registration failed: ${message}`;
    run.cancelRetry = this.clock.setTimeout(() => {
      run.cancelRetry = undefined;
      if (!this.isCurrent(run)) return;
      this.setState({ kind: 'registering', run });
      void this.registerUrl(run, register);
    }, delay);
    this.setState({ kind: 'registering', run, nextAttemptAt: now + delay });
    this.emit({ type: 'tunnel.registration_failed', message });
  }

  private onExit(run: Run, exit: TunnelExit): void {
    forgetUrl(run);
    if (!this.isCurrent(run)) return;
    // A run counts as ready from its start: one that stayed up STABLE_RUN_MS resets the back-off.
    this.record({
      startedAt: run.startedAt,
      readyAt: run.startedAt,
      exitedAt: this.clock.now(),
      failed: true,
    });
    const last = this.output.toArray().at(-1);
    this.lastError = `cloudflared ${describeExit(exit)}${last ? `; last output: ${last}` : ''}`;
    const restartInMs = this.scheduleRestart();
    this.emit({ type: 'tunnel.exited', code: exit.code, signal: exit.signal, restartInMs });
  }

  private scheduleRestart(): number {
    const now = this.clock.now();
    const delay = tunnelRestartDelay(this.history, this.backoff, now, this.random);
    const cancel = this.clock.setTimeout(() => {
      if (this.phase.kind !== 'backoff') return;
      this.restarts++;
      this.launch();
    }, delay);
    this.setState({ kind: 'backoff', nextAttemptAt: now + delay, cancel });
    return delay;
  }

  private record(run: RunRecord): void {
    this.history.push(run);
    if (this.history.length > HISTORY_LIMIT)
      this.history.splice(0, this.history.length - HISTORY_LIMIT);
  }

  private currentRun(): Run | undefined {
    const phase = this.phase;
    return phase.kind === 'stopped' || phase.kind === 'backoff' ? undefined : phase.run;
  }

  private isCurrent(run: Run): boolean {
    return this.currentRun() === run;
  }

  private setState(phase: Phase): void {
    if (phase.kind !== this.phase.kind) this.since = this.clock.now();
    this.phase = phase;
  }

  private emit(event: TunnelEvent): void {
    try {
      this.onEvent(event);
    } catch {
      // A failing listener must not break the tunnel's state machine.
    }
  }
}
