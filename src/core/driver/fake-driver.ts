/**
 * A scripted in-memory driver (after Nomad's drivers/mock). Each command name maps to a behaviour
 * that drives a FakeProcess: print lines, exit with a code, ignore the stop signal. Supervisor
 * tests run on it in milliseconds; the driver contract suite keeps it honest against the real one.
 */
import { PassThrough } from 'node:stream';
import { type DaemonError, systemClock, type Clock } from '../../shared/index.js';
import { matchesIdentity } from './identity.js';
import type {
  AdoptRequest,
  ExitInfo,
  ProcessDriver,
  ProcessHandle,
  ProcessIdentity,
  SpawnSpec,
  StopRequest,
} from './types.js';

export type FakeBehaviour = (proc: FakeProcess) => void;

export class FakeProcess implements ProcessHandle {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exited: Promise<ExitInfo>;
  readonly signals: string[] = [];
  /** Signals this process ignores (SIGKILL cannot be ignored). */
  readonly ignored = new Set<string>();
  private resolveExit!: (exit: ExitInfo) => void;
  private exitInfo: ExitInfo | undefined;

  constructor(
    readonly pid: number,
    readonly spec: SpawnSpec,
    readonly identity: ProcessIdentity,
    private readonly clock: Clock,
    readonly adopted = false,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  print(line: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    (stream === 'stdout' ? this.stdout : this.stderr).write(`${line}\n`);
  }

  exit(code: number | null, signal: string | null = null): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, signal, at: this.clock.now() };
    this.stdout.end();
    this.stderr.end();
    this.resolveExit(this.exitInfo);
  }

  signal(signal: string): void {
    if (!this.alive) return;
    this.signals.push(signal);
    if (signal === 'SIGKILL' || !this.ignored.has(signal)) this.exit(null, signal);
  }

  async stop(request: StopRequest): Promise<ExitInfo> {
    this.signal(request.signal);
    if (this.alive) {
      await new Promise<void>((resolve) => {
        const cancel = this.clock.setTimeout(resolve, request.timeoutMs);
        void this.exited.then(() => {
          cancel();
          resolve();
        });
      });
      this.signal('SIGKILL');
    }
    return this.exited;
  }
}

export class FakeProcessDriver implements ProcessDriver {
  readonly processes: FakeProcess[] = [];
  private readonly behaviours = new Map<string, FakeBehaviour>();
  private readonly spawnErrors = new Map<string, DaemonError>();
  private nextPid = 1000;

  constructor(private readonly clock: Clock = systemClock) {}

  /** What a spawned `command` does. Unknown commands run until stopped. */
  define(command: string, behaviour: FakeBehaviour): this {
    this.behaviours.set(command, behaviour);
    return this;
  }

  /** Makes spawning `command` fail like the OS would. */
  failSpawn(command: string, error: DaemonError): this {
    this.spawnErrors.set(command, error);
    return this;
  }

  spawn(spec: SpawnSpec): Promise<ProcessHandle> {
    const error = this.spawnErrors.get(spec.command);
    if (error) return Promise.reject(error);
    const pid = this.nextPid++;
    const identity = {
      pid,
      startTime: `fake:${pid}`,
      command: [spec.command, ...spec.args].join(' '),
    };
    const proc = new FakeProcess(pid, spec, identity, this.clock);
    this.processes.push(proc);
    // Like a real spawn, the behaviour starts running after spawn() has returned.
    queueMicrotask(() => this.behaviours.get(spec.command)?.(proc));
    return Promise.resolve(proc);
  }

  adopt(request: AdoptRequest): Promise<ProcessHandle | undefined> {
    const proc = this.processes.find((p) => p.pid === request.identity.pid && p.alive);
    if (!proc || !matchesIdentity(request.identity, proc.identity, request.spawned)) {
      return Promise.resolve(undefined);
    }
    const adopted = new FakeProcess(proc.pid, proc.spec, proc.identity, this.clock, true);
    void adopted.exited.then((exit) => proc.exit(exit.code, exit.signal));
    void proc.exited.then((exit) => adopted.exit(exit.code, exit.signal));
    this.processes.push(adopted);
    return Promise.resolve(adopted);
  }

  /** pids whose leftover group members were cleaned up. */
  readonly cleanedGroups: number[] = [];

  cleanupGroup(pid: number): Promise<void> {
    if (!this.processes.some((p) => p.pid === pid && p.alive)) this.cleanedGroups.push(pid);
    return Promise.resolve();
  }

  identify(pid: number): Promise<ProcessIdentity | undefined> {
    return Promise.resolve(this.processes.find((p) => p.pid === pid && p.alive)?.identity);
  }

  /** Live processes (not exited), excluding adoption views of the same pid. */
  get running(): FakeProcess[] {
    const seen = new Set<number>();
    return this.processes.filter((p) => p.alive && !seen.has(p.pid) && seen.add(p.pid));
  }

  byCommand(command: string): FakeProcess[] {
    return this.processes.filter((p) => p.spec.command === command);
  }
}
