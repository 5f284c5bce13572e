/**
 * One instance of a program: one OS process at a time, restarted by the restart policy, probed by
 * its health monitor, logged to its own file. Every state change goes through its Lifecycle.
 *
 * Each spawn starts a new "run" (a number); callbacks of an earlier run (its exit, its drained
 * output) check the number, so an operator's stop/start in between cannot be undone by them.
 */
import { join } from 'node:path';
import type { ProcessConfig } from '../../config/index.js';
import { DaemonError, type CancelTimer, type Clock, type Platform } from '../../shared/index.js';
import type { ExitInfo, ProcessDriver, ProcessHandle, ProcessIdentity } from '../driver/index.js';
import type { InstanceReportBody, SupervisorEvent, SupervisorEventBody } from '../events/index.js';
import type { Probe } from '../health/index.js';
import {
  hasProcess,
  Lifecycle,
  waitUntilReady,
  type InstanceState,
  type InstanceStatus,
} from '../lifecycle/index.js';
import { InstanceLog, type LogLine } from '../logs/index.js';
import type { PortAllocator } from '../ports/index.js';
import { decideRestart, type RestartPolicy, type RunRecord } from '../restart/index.js';
import type { InstanceRecord } from '../state/index.js';
import { buildChildEnv, injectedEnv } from './child-env.js';
import { HealthMonitor } from './health-monitor.js';
import { runHooks, runPrestartHooks, type HookFailure } from './hook-runner.js';
import type { InstanceInfo, LifecycleHook, PrestartContext } from './hooks.js';
import { stopRequestFor } from './stop-request.js';

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
  /** True once the daemon shuts down: nothing may be spawned any more. */
  isClosing(): boolean;
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
  private run = 0;
  private runStartedAt = 0;
  private readyAt: number | undefined;
  private monitor: HealthMonitor | undefined;
  private cancelBackoff: CancelTimer | undefined;
  private cancelIdentityRead: CancelTimer | undefined;
  private stopRequested = false;
  /** Why the daemon is killing the current process (unhealthy, over a limit): a failed run. */
  private killedBecause: string | undefined;
  private lastError: string | undefined;
  private launching: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private portHeld: number | undefined;
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
      publish: (body) => deps.publish(process.name, body),
      ...(adopted ? { initial: { status: 'running' as const, pid: adopted.handle.pid } } : {}),
    });
    this.log = new InstanceLog(
      join(deps.logsDir, process.name, `${index}.log`),
      { maxSize: process.logs.max_size, maxFiles: process.logs.max_files },
      deps.clock,
      (error) =>
        deps.publish(process.name, {
          type: 'daemon.warning',
          message: `cannot write the log of ${id} (${error.message}); its output is dropped until it can`,
        }),
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

  /** Records a service's event (a memory limit, a warning) in this instance's log and publishes it. */
  report(body: InstanceReportBody): SupervisorEvent {
    return this.lifecycle.record({ ...body, instance: this.id, index: this.index });
  }

  /**
   * Stops the running process because it broke a limit (restart.max_memory). Its exit counts as
   * a failed run, as a crash or a failed health check does: the restart policy's back-off and
   * max_restarts apply, so a process that is over its limit at every start ends in `failed`
   * instead of restarting in a loop. False when no process runs or one is already being stopped.
   */
  killForLimit(reason: string): boolean {
    const state = this.state();
    if (!hasProcess(state) || state.status === 'stopping' || this.killedBecause !== undefined)
      return false;
    if (!this.handle || this.stopRequested) return false;
    this.killedBecause = reason;
    this.monitor?.stop(); // a late health result must not change the state while it stops
    // Not ready while it stops (a stop may take stop.timeout): no restart or balancer counts it.
    if (state.status !== 'unhealthy') {
      this.lifecycle.setState({ status: 'unhealthy', pid: state.pid, reason });
    }
    const next = this.process.restart.policy === 'never' ? 'stopping it' : 'restarting';
    this.log.note(`${reason}; ${next}`);
    void this.handle.stop(stopRequestFor(this.process, this.portHeld));
    return true;
  }

  /** The ledger entry, when a process runs and its OS identity is known. */
  ledgerEntry(): InstanceRecord | undefined {
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
    return waitUntilReady(this.lifecycle, this.deps.clock, this.id, timeoutMs);
  }

  /** Calls `watcher` at every state change until the returned function is called. */
  onStateChange(watcher: (state: InstanceState) => void): () => void {
    return this.lifecycle.watch(watcher);
  }

  /** Releases the log file; call once the instance is gone for good. */
  async dispose(): Promise<void> {
    this.cancelIdentityRead?.();
    await this.log.close();
  }

  private async launch(): Promise<void> {
    this.cancelBackoff?.();
    this.cancelBackoff = undefined;
    const run = ++this.run;
    this.lifecycle.setState({ status: 'starting' });
    this.log.newRun();
    const startedAt = this.deps.clock.now();
    let handle: ProcessHandle;
    try {
      this.refuseWhenStopped();
      this.portHeld ??= await this.deps.ports.allocate({
        owner: this.id,
        program: this.process.name,
        preferred: this.process.port,
        range: this.process.port_range,
      });
      const ctx = await this.prestart();
      if (ctx.command === undefined) {
        throw new DaemonError(
          'binary_not_found',
          `${this.process.name} has no binary_path and no installed release of ${this.process.repository ?? 'its repository'}`,
        );
      }
      this.version = ctx.version;
      this.refuseWhenStopped();
      this.spawned = { command: ctx.command, args: this.process.args };
      handle = await this.deps.driver.spawn({
        command: ctx.command,
        args: this.process.args,
        cwd: this.process.work_dir,
        env: buildChildEnv(
          {
            daemon: this.deps.daemonEnv,
            dotenv: ctx.dotenv,
            config: this.process.env,
            injected: injectedEnv({
              processName: this.process.name,
              port: this.port,
              instanceId: this.id,
              instanceIndex: this.index,
              version: ctx.version,
              extra: ctx.inject,
            }),
          },
          this.deps.platform,
        ),
        io: { dir: join(this.deps.runDir, this.process.name), name: String(this.index) },
        stop: stopRequestFor(this.process, this.port),
      });
    } catch (error) {
      const failure = DaemonError.from(error, 'spawn_failed');
      if (this.stopRequested || this.deps.isClosing()) {
        if (this.status === 'starting')
          this.lifecycle.setState({ status: 'stopped', reason: 'stopped before it started' });
        this.releasePort();
        throw failure;
      }
      this.reportError(failure);
      this.log.note(`could not start: ${failure.message}`);
      this.applyRestartDecision(
        { startedAt, exitedAt: this.deps.clock.now(), failed: true },
        undefined,
        failure.message,
      );
      throw failure;
    }
    if (this.stopRequested || this.deps.isClosing() || run !== this.run) {
      // Stopped while spawning: the process must not outlive this instance.
      this.attach(handle, this.deps.clock.now(), run);
      return;
    }
    this.lastError = undefined;
    this.attach(handle, this.deps.clock.now(), run);
    this.log.note(
      `started pid ${handle.pid} on port ${this.portHeld}${this.version ? ` (version ${this.version})` : ''}`,
    );
    void runHooks(
      this.deps.hooks,
      'poststart',
      { ...this.info(), pid: handle.pid },
      this.hookFailed,
    );
  }

  private refuseWhenStopped(): void {
    if (this.deps.isClosing())
      throw new DaemonError('shutting_down', 'the daemon is shutting down');
    if (this.stopRequested)
      throw new DaemonError('shutting_down', 'stopped before the process was spawned');
  }

  /** An error repeated on every attempt (a missing binary) is reported once, not once a retry. */
  private reportError(failure: DaemonError): void {
    if (failure.message === this.lastError) return;
    this.lastError = failure.message;
    this.lifecycle.record({
      type: 'instance.error',
      instance: this.id,
      index: this.index,
      code: failure.code,
      message: failure.message,
    });
  }

  /** Wires a live process (just spawned, or adopted) into this instance. */
  private attach(handle: ProcessHandle, startedAt: number, run: number): void {
    this.handle = handle;
    this.runStartedAt = startedAt;
    this.readyAt = undefined;
    this.killedBecause = undefined;
    if (this.status !== 'running') this.lifecycle.setState({ status: 'running', pid: handle.pid });
    this.log.attach(handle.stdout, 'out');
    this.log.attach(handle.stderr, 'err');
    void handle.exited.then((exit) => this.onExit(handle, exit, run));
    if (this.stopRequested || this.deps.isClosing()) {
      void this.stop(this.deps.isClosing() ? 'daemon shutting down' : 'stopped while starting');
      return;
    }
    void this.refreshIdentity();
    // Once more a moment later: an exec chain (`#!/usr/bin/env node`) changes the command line.
    this.cancelIdentityRead?.();
    this.cancelIdentityRead = this.deps.clock.setTimeout(
      () => void this.refreshIdentity(),
      IDENTITY_SETTLE_MS,
    );
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
  }

  private resume(handle: ProcessHandle, record: InstanceRecord): void {
    this.portHeld = record.port;
    this.deps.ports.reserve(record.port, this.id, this.process.name);
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
    this.attach(handle, record.startedAt, ++this.run);
    this.log.note(`adopted pid ${handle.pid} on port ${record.port} after a daemon restart`);
  }

  private onHealthChange(status: 'healthy' | 'unhealthy', detail: string): void {
    const state = this.state();
    if (!hasProcess(state) || state.status === 'stopping' || this.killedBecause !== undefined)
      return;
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
      this.killedBecause = 'unhealthy';
      this.monitor?.stop(); // a late success must not call it healthy while it is being killed
      this.log.note(`unhealthy (${detail}); restarting`);
      void this.handle.stop(stopRequestFor(this.process, this.portHeld));
    }
  }

  private onExit(handle: ProcessHandle, exit: ExitInfo, run: number): void {
    if (handle !== this.handle) return;
    this.monitor?.stop();
    this.monitor = undefined;
    this.cancelIdentityRead?.();
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
    const failed = this.killedBecause !== undefined || exit.code !== 0;
    const what = this.killedBecause ?? `exited with ${how}`;
    void runHooks(this.deps.hooks, 'exited', { ...this.info(), exit }, this.hookFailed);
    // Let the last output arrive first: the crash report carries the final stderr lines.
    void this.log.drained(200).then(() => {
      if (this.stopRequested || run !== this.run) return;
      this.applyRestartDecision(
        { startedAt: this.runStartedAt, exitedAt: exit.at, readyAt: this.readyAt, failed },
        exit,
        what,
      );
    });
  }

  /** Records a finished run and applies the restart policy's decision. */
  private applyRestartDecision(run: RunRecord, exit: ExitInfo | undefined, what: string): void {
    this.history.push(run);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    const now = this.deps.clock.now();
    const decision = decideRestart(this.history, this.restartPolicy(), now, this.deps.random);
    const stderrTail = this.log.recentStderr();
    switch (decision.kind) {
      case 'restart':
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
          if (this.stopRequested || this.deps.isClosing() || this.status !== 'backoff') return;
          this.restarts++;
          this.launching = this.launch();
          this.launching.catch(() => undefined); // the failure is already an event and a state
        }, decision.delayMs);
        break;
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
      if (state.status !== 'stopping') this.lifecycle.setState({ status: 'stopped', reason });
      this.releasePort();
      return;
    }
    const handle = this.handle;
    if (state.status !== 'stopping')
      this.lifecycle.setState({ status: 'stopping', pid: state.pid, reason });
    this.monitor?.stop();
    await runHooks(this.deps.hooks, 'stop', { ...this.info(), reason }, this.hookFailed);
    const exit = await handle.stop(stopRequestFor(this.process, this.portHeld));
    await this.log.drained();
    this.log.note(`stopped (${reason})`);
    this.lifecycle.setState({ status: 'stopped', reason, exit });
    this.releasePort();
    this.deps.onChange();
  }

  private async prestart(): Promise<PrestartContext> {
    const ctx: PrestartContext = {
      ...this.info(),
      dotenv: {},
      inject: {},
      command: this.process.binary_path,
      version: undefined,
      report: (body) => void this.report(body),
    };
    await runPrestartHooks(this.deps.hooks, ctx, this.hookFailed);
    return ctx;
  }

  private info(): InstanceInfo {
    return { process: this.process, id: this.id, index: this.index, port: this.port };
  }

  private readonly hookFailed: HookFailure = (hook, phase, message) => {
    this.lifecycle.record({
      type: 'hook.failed',
      instance: this.id,
      index: this.index,
      hook,
      phase,
      message,
    });
  };

  private async refreshIdentity(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    const identity = await this.deps.driver.identify(handle.pid);
    if (identity && this.handle === handle) {
      this.identity = identity;
      this.deps.onChange();
    }
  }

  private releasePort(): void {
    if (this.portHeld === undefined) return;
    this.deps.ports.release(this.portHeld, this.id);
    this.portHeld = undefined;
  }

  private restartPolicy(): RestartPolicy {
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
