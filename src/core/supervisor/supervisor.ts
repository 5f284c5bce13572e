/**
 * The supervisor: every program of the config, the event bus, the ledger. On start it adopts the
 * children a previous daemon left running (only those whose pid, OS start time and command line
 * all match its ledger), stops adopted instances the config no longer wants, and starts what is
 * missing. Shutdown stops every instance in parallel.
 */
import { join } from 'node:path';
import type { Config, ProcessConfig } from '../../config/index.js';
import {
  currentPlatform,
  DaemonError,
  EventBus,
  systemClock,
  type Clock,
  type Platform,
} from '../../shared/index.js';
import type { ProcessDriver } from '../driver/index.js';
import type { ServiceEventBody, SupervisorEvent, SupervisorEventBody } from '../events/index.js';
import { runProbe, type Probe } from '../health/index.js';
import { PortAllocator } from '../ports/index.js';
import { Ledger, type LedgerData } from '../state/index.js';
import type { LifecycleHook } from './hooks.js';
import type { InstanceDeps, InstanceLogLine } from './instance.js';
import { instanceBounds, Program } from './program.js';
import { stopRequestFor } from './stop-request.js';

export interface SupervisorOptions {
  config: Config;
  driver: ProcessDriver;
  clock?: Clock;
  random?: () => number;
  probe?: Probe;
  hooks?: readonly LifecycleHook[];
  platform?: Platform;
  /** Layer 1 of every child's environment (default: the daemon's own). */
  daemonEnv?: Readonly<Record<string, string | undefined>>;
  ports?: PortAllocator;
  /** Coalescing delay of ledger writes (ms). */
  ledgerDelayMs?: number;
}

export interface ReloadSummary {
  added: string[];
  removed: string[];
  changed: string[];
  /** Sections whose changes apply only after a daemon restart. */
  restartRequired: string[];
}

export class Supervisor {
  readonly events: EventBus<SupervisorEvent>;
  readonly logLines = new EventBus<InstanceLogLine>();
  private readonly programs = new Map<string, Program>();
  private readonly deps: InstanceDeps;
  private readonly ledger: Ledger;
  private readonly clock: Clock;
  private seq = 0;
  private config: Config;
  private closing = false;
  private booting: Promise<void> | undefined;
  private reloading = false;

  constructor(private readonly options: SupervisorOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.events = new EventBus<SupervisorEvent>();
    this.ledger = new Ledger(
      options.config.paths.data,
      this.clock,
      () => this.ledgerSnapshot(),
      options.ledgerDelayMs,
      (error) =>
        this.publish('', {
          type: 'daemon.warning',
          message: `cannot write the state file (adoption after a crash depends on it): ${error.message}`,
        }),
    );
    this.deps = {
      driver: options.driver,
      clock: this.clock,
      random: options.random ?? Math.random,
      probe: options.probe ?? runProbe,
      hooks: options.hooks ?? [],
      ports: options.ports ?? new PortAllocator(),
      publish: (name, body) => this.publish(name, body),
      platform: options.platform ?? currentPlatform(),
      daemonEnv: options.daemonEnv ?? process.env,
      logsDir: options.config.paths.logs,
      runDir: join(options.config.paths.data, 'run'),
      isClosing: () => this.closing,
      onChange: () => this.ledger.schedule(),
      onLogLine: (line) => this.logLines.publish(line),
    };
  }

  /** Adopts what a previous daemon left running, then starts every program's missing instances. */
  start(): Promise<void> {
    this.booting = this.boot();
    return this.booting;
  }

  private async boot(): Promise<void> {
    const previous = await this.ledger.read();
    if (previous.kind === 'corrupt') {
      this.publish('', {
        type: 'daemon.warning',
        message: `the state file was unreadable (${previous.reason}); moved to ${previous.movedTo}`,
      });
    }
    const recorded = previous.kind === 'ok' ? previous.data : undefined;
    this.deps.ports.setFixedPorts(fixedPorts(this.config));
    for (const config of this.config.processes) {
      const record = recorded?.processes[config.name];
      const desired =
        record && record.configuredInstances === config.instances
          ? clamp(record.desired, config)
          : config.instances;
      this.programs.set(config.name, new Program(config, this.deps, desired));
    }
    if (recorded) await this.adoptFrom(recorded);
    if (this.closing) return; // a signal arrived during adoption: start nothing
    await Promise.all(
      [...this.programs.values()].map((p) => p.reconcile('boot').catch(() => undefined)),
    );
    await this.ledger.flush();
  }

  program(name: string): Program {
    const program = this.programs.get(name);
    if (!program) {
      throw new DaemonError(
        'process_not_found',
        `no process named ${JSON.stringify(name)} is configured`,
        { details: { process: name } },
      );
    }
    return program;
  }

  list(): Program[] {
    return [...this.programs.values()];
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** A config reload is being applied (services should not start operations meanwhile). */
  get isReloading(): boolean {
    return this.reloading;
  }

  currentConfig(): Config {
    return this.config;
  }

  /** Stops every instance of every program in parallel. */
  async shutdown(): Promise<void> {
    this.closing = true;
    // Nothing spawns from now on (instances check isClosing); wait for a boot still adopting.
    await this.booting?.catch(() => undefined);
    await Promise.all(this.list().map((p) => p.shutdown('daemon shutting down')));
    await this.ledger.flush();
  }

  /** Applies a new (already validated) config: adds, removes and rolling-restarts processes. */
  async reload(next: Config): Promise<ReloadSummary> {
    if (this.reloading)
      throw new DaemonError('operation_in_progress', 'a config reload is already in progress');
    this.reloading = true;
    try {
      const before = new Map(this.config.processes.map((p) => [p.name, p]));
      const after = new Map(next.processes.map((p) => [p.name, p]));
      const summary: ReloadSummary = {
        added: [...after.keys()].filter((n) => !before.has(n)),
        removed: [...before.keys()].filter((n) => !after.has(n)),
        changed: [...after.keys()].filter(
          (n) => before.has(n) && !sameProcess(before.get(n)!, after.get(n)!),
        ),
        restartRequired: [
          ...(['server', 'paths', 'metrics', 'tunnel', 'load_balancers'] as const).filter(
            (key) => JSON.stringify(this.config[key]) !== JSON.stringify(next[key]),
          ),
          // The auth-worker client (its URL, key and retry settings) is built at daemon start.
          ...(JSON.stringify(this.config.secrets.cloudflare) !==
          JSON.stringify(next.secrets.cloudflare)
            ? ['secrets.cloudflare']
            : []),
        ],
      };
      const busy = [...summary.removed, ...summary.changed]
        .map((name) => this.programs.get(name)!)
        .filter((p) => p.currentOperation !== undefined);
      if (busy.length > 0) {
        throw new DaemonError(
          'operation_in_progress',
          `cannot reload now: ${busy.map((p) => `${p.name} (${p.currentOperation})`).join(', ')} in progress; nothing was changed`,
        );
      }
      this.config = next;
      this.deps.ports.setFixedPorts(fixedPorts(next));
      await Promise.all(
        summary.removed.map(async (name) => {
          const program = this.programs.get(name)!;
          this.programs.delete(name);
          await program.shutdown('removed from the config');
          this.publish(name, { type: 'process.config', change: 'removed' });
        }),
      );
      for (const name of summary.added) {
        this.programs.set(name, new Program(after.get(name)!, this.deps));
        this.publish(name, { type: 'process.config', change: 'added' });
      }
      const failures: string[] = [];
      await Promise.all([
        ...summary.added.map((name) =>
          this.programs.get(name)!.reconcile('added by config reload'),
        ),
        ...summary.changed.map(async (name) => {
          this.publish(name, { type: 'process.config', change: 'changed' });
          try {
            await this.programs.get(name)!.reconfigure(after.get(name)!);
          } catch (error) {
            // Keep the old config on record for this process, so the next reload tries again.
            this.config = {
              ...this.config,
              processes: this.config.processes.map((p) =>
                p.name === name ? before.get(name)! : p,
              ),
            };
            failures.push(`${name}: ${(error as Error).message}`);
          }
        }),
      ]);
      for (const key of summary.restartRequired) {
        this.publish('', {
          type: 'daemon.warning',
          message: `changes to "${key}" take effect after a daemon restart`,
        });
      }
      if (failures.length > 0) {
        this.ledger.schedule();
        throw new DaemonError(
          'not_ready',
          `the config was applied except for ${failures.join('; ')}; reload again to retry`,
        );
      }
      this.ledger.schedule();
      return summary;
    } finally {
      this.reloading = false;
    }
  }

  private async adoptFrom(recorded: LedgerData): Promise<void> {
    const orphans: Array<Promise<unknown>> = [];
    for (const [name, record] of Object.entries(recorded.processes)) {
      const program = this.programs.get(name);
      for (const entry of record.instances) {
        const stop = program
          ? stopRequestFor(program.config, entry.port)
          : { ...DEFAULT_STOP, port: entry.port };
        const handle = await this.options.driver.adopt({
          identity: entry.identity,
          spawned: entry.spawned,
          io: { dir: join(this.deps.runDir, name), name: String(entry.index) },
          stop,
        });
        if (!handle) {
          // Its leader is gone (or the pid is someone else's now). Processes it left in its group
          // are ours and are cleaned up; a live pid that is not ours is never touched.
          await this.options.driver.cleanupGroup(entry.identity.pid);
          this.publish(name, {
            type: 'daemon.warning',
            message: `instance ${entry.id} (pid ${entry.identity.pid}) is gone or is no longer ours; not adopted`,
          });
          continue;
        }
        if (program) {
          program.adopt(handle, entry);
        } else {
          this.publish(name, {
            type: 'daemon.warning',
            message: `stopping pid ${handle.pid}: process ${name} is no longer in the config`,
          });
          orphans.push(handle.stop(stop));
        }
      }
    }
    await Promise.all(orphans);
  }

  /** Publishes a service's event about a process (by name) or the daemon (''). */
  report(processName: string, body: ServiceEventBody): SupervisorEvent {
    return this.publish(processName, body);
  }

  private publish(processName: string, body: SupervisorEventBody): SupervisorEvent {
    const event = {
      seq: ++this.seq,
      at: this.clock.now(),
      process: processName,
      ...body,
    } as SupervisorEvent;
    this.events.publish(event);
    return event;
  }

  private ledgerSnapshot(): LedgerData['processes'] {
    const out: LedgerData['processes'] = {};
    for (const program of this.programs.values()) out[program.name] = program.ledgerRecord();
    return out;
  }
}

/** Used for an adopted instance whose process left the config (its stop settings went with it). */
const DEFAULT_STOP = { signal: 'SIGTERM', timeoutMs: 10_000 };

/** Configured ports and their processes, kept out of every port range. */
function fixedPorts(config: Config): Map<number, string> {
  return new Map(
    config.processes.filter((p) => p.port !== undefined).map((p) => [p.port!, p.name]),
  );
}

function clamp(n: number, config: ProcessConfig): number {
  const { min, max } = instanceBounds(config);
  return Math.min(Math.max(n, min), max);
}

function sameProcess(a: ProcessConfig, b: ProcessConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
