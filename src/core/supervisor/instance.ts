/**
 * One instance of a program: one OS process at a time, restarted by the restart policy, probed by
 * its health monitor, logged to its own file. Every state change goes through its Lifecycle.
 */
import { join } from 'node:path';
import type { ProcessConfig } from '../../config/index.js';
import { DaemonError, type CancelTimer, type Clock, type Platform } from '../../shared/index.js';
import type {
  ExitInfo,
  ProcessDriver,
  ProcessHandle,
  ProcessIdentity,
  StopRequest,
} from '../driver/index.js';
import type { SupervisorEvent, SupervisorEventBody } from '../events/index.js';
import type { Probe } from '../health/index.js';
import {
  hasProcess,
  Lifecycle,
  type InstanceState,
  type InstanceStatus,
} from '../lifecycle/index.js';
import { InstanceLog, type LogLine } from '../logs/index.js';
import type { PortAllocator } from '../ports/index.js';
import { decideRestart, type RunRecord } from '../restart/index.js';
import type { InstanceRecord } from '../state/index.js';
import { buildChildEnv, injectedEnv } from './child-env.js';
import { HealthMonitor } from './health-monitor.js';
import type { HookPhase, InstanceInfo, LifecycleHook, PrestartContext } from './hooks.js';

export interface InstanceDeps {
  driver: ProcessDriver;
  clock: Clock;
  random: () => number;
  probe: Probe;
  hooks: readonly LifecycleHook[];
  ports: PortAllocator;
  publish(processName: string, body: SupervisorEventBody): SupervisorEvent;
  platform: Platform;
  daemonEnv: Readonly<Record<string, string | undefined>>;
  logsDir: string;
  /** Where the output FIFOs live (POSIX), so a restarted daemon can reattach. */
  runDir: string;
  /** Called after anything the ledger records changes. */
  onChange(): void;
  /** Every line an instance logs (for followers such as `gowinproc logs -f`). */
  onLogLine(line: InstanceLogLine): void;
}

export interface InstanceLogLine extends LogLine {
  process: string;
  instance: string;
  index: number;
}

/** When the command line is read again after a spawn. */
const IDENTITY_SETTLE_MS = 250;

/** Runs kept for the restart policy (enough for any sane max_restarts). */
const HISTORY_LIMIT = 100;

export class Instance implements InstanceInfo {
  readonly lifecycle: Lifecycle;
  readonly log: InstanceLog;
  private handle: ProcessHandle | undefined;
  private identity: ProcessIdentity | undefined;
  private spawned: { command: string; args: string[] } | undefined;
  private history: RunRecord[] = [];
  private runStartedAt = 0;
  private readyAt: number | undefined;
  private monitor: HealthMonitor | undefined;
  private cancelBackoff: CancelTimer | undefined;
  private stopRequested = false;
  private killedAsUnhealthy = false;
  private launching: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private portHeld: number | undefined;
  private readonly waiters = new Set<(state: InstanceState) => void>();
  version: string | undefined;
  restarts = 0;

  constructor(
    readonly process: ProcessConfig,
    readonly id: string,
    readonly index: number,
    private readonly deps: InstanceDeps,
    adopted?: { handle: ProcessHandle; record: InstanceRecord },
  ) {
    this.lifecycle = new Lifecycle({
      process: process.name,
      instance: id,
      index,
      now: () => deps.clock.now(),
      publish: (body) => {
        const event = deps.publish(process.name, body);
        if (body.type === 'instance.state') this.notifyWaiters();
        return event;
      },
      ...(adopted ? { initial: { status: 'running' as const, pid: adopted.handle.pid } } : {}),
    });
    this.log = new InstanceLog(
      join(deps.logsDir, process.name, `${index}.log`),
      { maxSize: process.logs.max_size, maxFiles: process.logs.max_files },
      deps.clock,
    );
    this.log.subscribe((line) =>
      deps.onLogLine({ ...line, process: process.name, instance: id, index }),
    );
    if (adopted) this.resume(adopted.handle, adopted.record);
  }

  get port(): number {
    return this.portHeld ?? 0;
  }

  state(): InstanceState {
    return this.lifecycle.state();
  }

  get status(): InstanceStatus {
    return this.lifecycle.state().status;
  }

  get pid(): number | undefined {
    const state = this.state();
    return hasProcess(state) ? state.pid : undefined;
  }

  /** When the current OS process started (ms), if one runs. */
  get startedAt(): number | undefined {
    return this.handle ? this.runStartedAt : undefined;
  }

  events(): SupervisorEvent[] {
    return this.lifecycle.events();
  }

  /** The ledger entry, when a process runs and its OS identity is known. */
  record(): InstanceRecord | undefined {
    if (!this.handle || !this.identity || this.portHeld === undefined) return undefined;
    return {
      id: this.id,
      index: this.index,
      port: this.portHeld,
      identity: this.identity,
      spawned: this.spawned,
      startedAt: this.runStartedAt,
      version: this.version,
    };
  }

  /**
   * Starts the instance (first start, or again after stop/failed). Resolves once the process is
   * spawned; rejects with the spawn error (the instance is then in backoff or failed).
   */
  start(): Promise<void> {
    this.stopRequested = false;
    this.launching = this.launch();
    return this.launching;
  }

  /** Stops the process tree gracefully; idempotent. */
  stop(reason: string): Promise<void> {
    this.stopRequested = true;
    this.stopping ??= this.doStop(reason).finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /** Stop and start again with a fresh restart history (operator restart of a non-ready instance). */
  async restartInPlace(reason: string): Promise<void> {
    await this.stop(reason);
    this.history = [];
    this.restarts++;
    await this.start();
  }

  /** Resolves when the instance is healthy; rejects if it exits, stops or the deadline passes. */
  waitReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let cancel: CancelTimer = () => undefined;
      const check = (state: InstanceState): boolean => {
        if (state.status === 'healthy') {
          resolve();
        } else if (['backoff', 'failed', 'stopping', 'stopped'].includes(state.status)) {
          const why = 'reason' in state ? `: ${state.reason}` : '';
          reject(
            new DaemonError(
              'not_ready',
              `instance ${this.id} became ${state.status} before it was ready${why}`,
            ),
          );
        } else {
          return false;
        }
        cancel();
        this.waiters.delete(check);
        return true;
      };
      if (check(this.state())) return;
      this.waiters.add(check);
      cancel = this.deps.clock.setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new DaemonError('not_ready', `instance ${this.id} was not healthy within ${timeoutMs}ms`),
        );
      }, timeoutMs);
    });
  }

  /** Releases the log file; call once the instance is gone for good. */
  async dispose(): Promise<void> {
    await this.log.close();
  }

  private notifyWaiters(): void {
    const state = this.state();
    for (const waiter of [...this.waiters]) waiter(state);
  }

  private async launch(): Promise<void> {
    this.cancelBackoff?.();
    this.cancelBackoff = undefined;
    this.lifecycle.setState({ status: 'starting' });
    this.log.newRun();
    const startedAt = this.deps.clock.now();
    let handle: ProcessHandle;
    try {
      if (this.portHeld === undefined) {
        this.portHeld = await this.deps.ports.allocate({
          owner: this.id,
          preferred: this.preferredPort(),
          range: this.process.port_range,
        });
      }
      const ctx = await this.prestart();
      const command = ctx.command;
      if (command === undefined) {
        throw new DaemonError(
          'binary_not_found',
          `${this.process.name} has no binary_path and no installed release of ${this.process.repository ?? 'its repository'}`,
        );
      }
      this.version = ctx.version;
      if (this.stopRequested)
        throw new DaemonError('shutting_down', 'stopped before the process was spawned');
      this.spawned = { command, args: this.process.args };
      handle = await this.deps.driver.spawn({
        command,
        args: this.process.args,
        cwd: this.process.work_dir,
        env: buildChildEnv(
          {
            daemon: this.deps.daemonEnv,
            dotenv: ctx.dotenv,
            config: this.process.env,
            injected: injectedEnv({
              processName: this.process.name,
              port: this.portHeld,
              instanceId: this.id,
              instanceIndex: this.index,
              version: ctx.version,
              extra: ctx.inject,
            }),
          },
          this.deps.platform,
        ),
        io: { dir: join(this.deps.runDir, this.process.name), name: String(this.index) },
        stop: this.stopRequest(),
      });
    } catch (error) {
      const failure = DaemonError.from(error, 'spawn_failed');
      if (this.stopRequested) {
        if (this.status === 'starting')
          this.lifecycle.setState({ status: 'stopped', reason: 'stopped before it started' });
        this.releasePort();
        throw failure;
      }
      this.lifecycle.record({
        type: 'instance.error',
        instance: this.id,
        index: this.index,
        code: failure.code,
        message: failure.message,
      });
      this.log.note(`could not start: ${failure.message}`);
      this.afterRun(
        { startedAt, exitedAt: this.deps.clock.now(), failed: true },
        undefined,
        failure.message,
      );
      throw failure;
    }
    this.attach(handle, this.deps.clock.now());
    this.log.note(
      `started pid ${handle.pid} on port ${this.portHeld}${this.version ? ` (version ${this.version})` : ''}`,
    );
    void this.runHooks('poststart', { pid: handle.pid });
  }

  /** Wires a live process (just spawned, or adopted) into this instance. */
  private attach(handle: ProcessHandle, startedAt: number): void {
    this.handle = handle;
    this.runStartedAt = startedAt;
    this.readyAt = undefined;
    this.killedAsUnhealthy = false;
    if (this.status !== 'running') this.lifecycle.setState({ status: 'running', pid: handle.pid });
    this.log.attach(handle.stdout, 'out');
    this.log.attach(handle.stderr, 'err');
    void this.refreshIdentity();
    // Once more a moment later: an exec chain (`#!/usr/bin/env node`) changes the command line.
    this.deps.clock.setTimeout(() => void this.refreshIdentity(), IDENTITY_SETTLE_MS);
    this.monitor = new HealthMonitor(
      this.process.health_check,
      this.port,
      startedAt,
      this.deps.clock,
      this.deps.probe,
      {
        onChange: (status, detail) => this.onHealthChange(status, detail),
        onProbe: (result, tracker, counted) => {
          if (!result.ok && counted) {
            this.lifecycle.record({
              type: 'instance.health',
              instance: this.id,
              index: this.index,
              ok: false,
              check: this.process.health_check.type,
              detail: result.detail,
              consecutiveFailures: tracker.consecutiveFailures,
            });
          }
        },
      },
    );
    this.monitor.start();
    void handle.exited.then((exit) => this.onExit(handle, exit));
  }

  private resume(handle: ProcessHandle, record: InstanceRecord): void {
    this.portHeld = record.port;
    this.deps.ports.reserve(record.port, this.id);
    this.identity = record.identity;
    this.spawned = record.spawned;
    this.version = record.version;
    this.lifecycle.record({
      type: 'instance.adopted',
      instance: this.id,
      index: this.index,
      pid: handle.pid,
      port: record.port,
    });
    this.attach(handle, record.startedAt);
    this.log.note(`adopted pid ${handle.pid} on port ${record.port} after a daemon restart`);
  }

  private onHealthChange(status: 'healthy' | 'unhealthy', detail: string): void {
    const state = this.state();
    if (!hasProcess(state) || state.status === 'stopping') return;
    if (status === 'healthy') {
      this.readyAt ??= this.deps.clock.now();
      if (state.status === 'running' || state.status === 'unhealthy') {
        this.lifecycle.record({
          type: 'instance.health',
          instance: this.id,
          index: this.index,
          ok: true,
          check: this.process.health_check.type,
          detail,
          consecutiveFailures: 0,
        });
        this.lifecycle.setState({ status: 'healthy', pid: state.pid });
        void this.refreshIdentity();
      }
      return;
    }
    this.lifecycle.setState({ status: 'unhealthy', pid: state.pid, reason: detail });
    if (this.process.restart.policy !== 'never' && this.handle) {
      this.killedAsUnhealthy = true;
      this.log.note(`unhealthy (${detail}); restarting`);
      void this.handle.stop(this.stopRequest());
    }
  }

  private onExit(handle: ProcessHandle, exit: ExitInfo): void {
    if (handle !== this.handle) return;
    this.monitor?.stop();
    this.monitor = undefined;
    this.handle = undefined;
    this.identity = undefined;
    this.deps.onChange();
    if (this.stopRequested) return; // doStop() owns the state from here
    const how = exit.signal
      ? `signal ${exit.signal}`
      : exit.code === null
        ? 'an unknown status (adopted process)'
        : `code ${exit.code}`;
    this.log.note(`exited with ${how}`);
    const failed = this.killedAsUnhealthy || exit.code !== 0;
    void this.runHooks('exited', { exit });
    void this.log.drained(200).then(() => {
      if (this.stopRequested || this.handle) return;
      this.afterRun(
        { startedAt: this.runStartedAt, exitedAt: exit.at, readyAt: this.readyAt, failed },
        exit,
        this.killedAsUnhealthy ? 'unhealthy' : `exited with ${how}`,
      );
    });
  }

  /** Records a finished run and applies the restart policy's decision. */
  private afterRun(run: RunRecord, exit: ExitInfo | undefined, what: string): void {
    this.history.push(run);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    const now = this.deps.clock.now();
    const decision = decideRestart(this.history, this.restartPolicy(), now, this.deps.random);
    const stderrTail = this.log.recentStderr();
    switch (decision.kind) {
      case 'restart': {
        this.lifecycle.setState({
          status: 'backoff',
          reason: `${what}; ${decision.reason}`,
          attempt: decision.attempt,
          nextAttemptAt: now + decision.delayMs,
          exit,
          stderrTail,
        });
        this.cancelBackoff = this.deps.clock.setTimeout(() => {
          this.cancelBackoff = undefined;
          if (this.stopRequested || this.status !== 'backoff') return;
          this.restarts++;
          this.launching = this.launch();
          this.launching.catch(() => undefined); // the failure is already an event and a state
        }, decision.delayMs);
        break;
      }
      case 'give-up':
        this.lifecycle.setState({
          status: 'failed',
          reason: `${what}; ${decision.reason}`,
          exit,
          stderrTail,
        });
        this.releasePort();
        break;
      case 'done':
        this.lifecycle.setState({ status: 'stopped', reason: `${what}; ${decision.reason}`, exit });
        this.releasePort();
        break;
    }
  }

  private async doStop(reason: string): Promise<void> {
    this.cancelBackoff?.();
    this.cancelBackoff = undefined;
    await this.launching?.catch(() => undefined);
    const state = this.state();
    if (state.status === 'stopped') return;
    if (!hasProcess(state) || !this.handle) {
      this.lifecycle.setState({ status: 'stopped', reason });
      this.releasePort();
      return;
    }
    const handle = this.handle;
    this.lifecycle.setState({ status: 'stopping', pid: state.pid, reason });
    this.monitor?.stop();
    await this.runHooks('stop', { reason });
    const exit = await handle.stop(this.stopRequest());
    await this.log.drained();
    this.log.note(`stopped (${reason})`);
    this.lifecycle.setState({ status: 'stopped', reason, exit });
    this.releasePort();
    this.deps.onChange();
  }

  private async prestart(): Promise<PrestartContext> {
    const ctx: PrestartContext = {
      process: this.process,
      id: this.id,
      index: this.index,
      port: this.port,
      dotenv: {},
      inject: {},
      command: this.process.binary_path,
      version: undefined,
    };
    for (const hook of this.deps.hooks) {
      if (!hook.prestart) continue;
      try {
        await hook.prestart(ctx);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.lifecycle.record({
          type: 'hook.failed',
          instance: this.id,
          index: this.index,
          hook: hook.name,
          phase: 'prestart',
          message,
        });
        throw new DaemonError('hook_failed', `prestart hook "${hook.name}" failed: ${message}`, {
          cause: error,
        });
      }
    }
    return ctx;
  }

  private async runHooks(
    phase: Exclude<HookPhase, 'prestart'>,
    extra: Record<string, unknown>,
  ): Promise<void> {
    for (const hook of this.deps.hooks) {
      const fn = hook[phase] as ((ctx: unknown) => void | Promise<void>) | undefined;
      if (!fn) continue;
      try {
        await fn.call(hook, {
          process: this.process,
          id: this.id,
          index: this.index,
          port: this.port,
          ...extra,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.lifecycle.record({
          type: 'hook.failed',
          instance: this.id,
          index: this.index,
          hook: hook.name,
          phase,
          message,
        });
      }
    }
  }

  private async refreshIdentity(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    const identity = await this.deps.driver.identify(handle.pid);
    if (identity && this.handle === handle) {
      this.identity = identity;
      this.deps.onChange();
    }
  }

  private preferredPort(): number | undefined {
    return this.process.port;
  }

  private releasePort(): void {
    if (this.portHeld === undefined) return;
    this.deps.ports.release(this.portHeld, this.id);
    this.portHeld = undefined;
  }

  private stopRequest(): StopRequest {
    return {
      signal: this.process.stop.signal,
      timeoutMs: this.process.stop.timeout,
      httpEndpoint: this.process.stop.http_endpoint,
      port: this.portHeld,
    };
  }

  private restartPolicy() {
    const r = this.process.restart;
    return {
      policy: r.policy,
      backoff: r.backoff,
      maxRestarts: r.max_restarts,
      window: r.window,
      resetAfter: r.reset_after,
    };
  }
}
