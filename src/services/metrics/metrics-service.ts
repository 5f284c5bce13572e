/**
 * The sampling loop: every `metrics.interval` it reads every running instance's process tree and
 * the host in one batch, adds the daemon's own figures, writes the tick to the store in one
 * transaction, publishes it (live charts), and restarts instances over `restart.max_memory`.
 * A tick still running when the next is due is not overlapped: that tick is skipped.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MetricsConfig } from '../../config/index.js';
import type { Supervisor } from '../../core/index.js';
import { EventBus, type CancelTimer, type Clock, type Platform } from '../../shared/index.js';
import { DaemonSelfSampler } from './daemon-self.js';
import { sampleInstances, type PreviousReadings, type SampleTarget } from './instance-samples.js';
import { findMemoryLimitBreaches } from './memory-limit.js';
import type { PrometheusExporter } from './prometheus/index.js';
import type { PrometheusInstance } from './prometheus/source.js';
import { createHostReader, createProcessTreeReader, hostUsage } from './sampler/index.js';
import { openMetricsStore } from './store/index.js';
import type {
  HostCounters,
  HostPoint,
  HostReader,
  InstancePoint,
  MetricsStore,
  MetricsTick,
  ProcessTreeReader,
  RangeQuery,
} from './types.js';

export interface MetricsServiceOptions {
  config: MetricsConfig;
  dataDir: string;
  clock: Clock;
  platform: Platform;
  /** A daemon-level warning (the store moved aside, a trim, a failed tick). */
  warn: (message: string) => void;
  /** A monotonic clock in ms for the timer's lateness (default performance.now). */
  monotonic?: () => number;
  /**
   * Families other services add to the Prometheus registry (the balancers), called once when
   * the exporter is created at the first scrape; each may import prom-client itself.
   */
  prometheusFamilies?: ReadonlyArray<(registry: PrometheusExporter['registry']) => Promise<void>>;
  /** Seams for tests; by default the OS readers of `platform` and SQLite in dataDir. */
  reader?: ProcessTreeReader;
  hostReader?: HostReader;
  store?: MetricsStore;
}

export class MetricsService {
  private readonly ticks = new EventBus<MetricsTick>();
  private self: DaemonSelfSampler | undefined;
  private reader: ProcessTreeReader | undefined;
  private hostReader: HostReader | undefined;
  private store: MetricsStore | undefined;
  private supervisor: Supervisor | undefined;
  private cancelTimer: CancelTimer | undefined;
  private previous: PreviousReadings = new Map();
  private previousHost: { at: number; counters: HostCounters } | undefined;
  private last: MetricsTick | undefined;
  private lastTickMs = 0;
  private ticking = false;
  private failedTicks = 0;
  private lastFailureWarningAt: number | undefined;
  private stopped = false;
  private exporter: Promise<PrometheusExporter> | undefined;

  constructor(private readonly options: MetricsServiceOptions) {}

  get interval(): number {
    return this.options.config.interval;
  }

  /**
   * Opens the readers and the store, then samples every interval. Never throws: metrics are not
   * worth refusing to supervise, so a reader or store that cannot open (a native module that
   * does not load after a Node upgrade, say) is a warning and the daemon runs without metrics.
   */
  async start(supervisor: Supervisor): Promise<void> {
    const { options } = this;
    this.supervisor = supervisor;
    try {
      this.self = new DaemonSelfSampler();
      this.reader = options.reader ?? (await createProcessTreeReader(options.platform));
      this.hostReader =
        options.hostReader ?? (await createHostReader(options.platform, options.dataDir));
      this.store =
        options.store ??
        openMetricsStore({
          file:
            options.config.store === 'memory' ? ':memory:' : join(options.dataDir, 'metrics.db'),
          retentionMs: options.config.retention,
          rawResolutionMs: options.config.interval,
          maxSizeBytes: options.config.max_size,
          clock: options.clock,
          onWarning: (message) => options.warn(message),
        });
    } catch (error) {
      options.warn(
        `metrics are off for this run: they could not start (${(error as Error).message})`,
      );
      this.stop();
      return;
    }
    if (this.stopped) return this.stop();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.reader?.close();
    this.hostReader?.close?.();
    this.store?.close();
    this.reader = undefined;
    this.hostReader = undefined;
    this.store = undefined;
  }

  /**
   * The latest tick; undefined before the first one, and when it is older than three intervals
   * (sampling fails or stopped): an old sample is never shown as current.
   */
  latest(): MetricsTick | undefined {
    const last = this.last;
    if (!last || this.options.clock.now() - last.at > 3 * this.interval) return undefined;
    return last;
  }

  subscribe(listener: (tick: MetricsTick) => void): () => void {
    return this.ticks.subscribe(listener);
  }

  queryInstances(process: string, range: RangeQuery, index?: number): InstancePoint[] {
    return this.store?.queryInstances(process, range, index) ?? [];
  }

  queryHost(range: RangeQuery): HostPoint[] {
    return this.store?.queryHost(range) ?? [];
  }

  /** The resolution (ms) of the stored history that holds data as old as `from`. */
  resolutionFor(from: number): number {
    return this.store?.resolutionFor(from, this.options.clock.now()) ?? this.interval;
  }

  /** The Prometheus text; prom-client loads on the first scrape, not at daemon start. */
  async prometheus(): Promise<{ contentType: string; body: string }> {
    this.exporter ??= import('./prometheus/index.js').then(async ({ createPrometheusExporter }) => {
      const exporter = createPrometheusExporter({
        tick: () => this.latest(),
        instances: () => this.instanceStates(),
        dataDir: this.options.dataDir,
      });
      for (const add of this.options.prometheusFamilies ?? []) await add(exporter.registry);
      return exporter;
    });
    const exporter = await this.exporter;
    return { contentType: exporter.contentType, body: await exporter.render() };
  }

  /**
   * Takes one reading now (the loop calls it; tests may too). `lagMs`: how late the loop's timer
   * fired, the daemon's event-loop lag.
   */
  async tick(lagMs = 0): Promise<MetricsTick | undefined> {
    const { reader, hostReader, store, supervisor, self } = this;
    if (this.ticking || !reader || !hostReader || !store || !supervisor || !self) return undefined;
    this.ticking = true;
    const started = performance.now();
    try {
      const at = this.options.clock.now();
      const targets = sampleTargets(supervisor, at);
      const [trees, hostCounters] = await Promise.all([
        reader.readTrees(targets.map((t) => t.pid)),
        hostReader.read(),
      ]);
      const { samples, readings } = sampleInstances(targets, trees, this.previous, at);
      this.previous = readings;
      const host = {
        at,
        ...hostUsage(this.previousHost?.counters, hostCounters, at, this.previousHost?.at),
      };
      this.previousHost = { at, counters: hostCounters };
      const tick: MetricsTick = {
        at,
        instances: samples,
        host,
        daemon: self.sample(at, this.lastTickMs, lagMs),
      };
      if (this.stopped) return undefined;
      store.write(tick);
      this.last = tick;
      this.ticks.publish(tick);
      this.enforceMemoryLimits(tick, supervisor);
      return tick;
    } catch (error) {
      this.warnFailedTick(error as Error);
      return undefined;
    } finally {
      this.lastTickMs = performance.now() - started;
      this.ticking = false;
    }
  }

  /** One warning a minute at most, with how many ticks failed since the last one. */
  private warnFailedTick(error: Error): void {
    this.failedTicks++;
    const now = this.options.clock.now();
    if (this.lastFailureWarningAt !== undefined && now - this.lastFailureWarningAt < 60_000) return;
    const count = this.failedTicks;
    this.failedTicks = 0;
    this.lastFailureWarningAt = now;
    this.options.warn(
      count === 1
        ? `a metrics sample failed: ${error.message}`
        : `${count} metrics samples failed since the last warning; the latest: ${error.message}`,
    );
  }

  private schedule(): void {
    if (this.stopped) return;
    const monotonic = this.options.monotonic ?? (() => performance.now());
    const due = monotonic() + this.interval;
    this.cancelTimer = this.options.clock.setTimeout(() => {
      void this.tick(monotonic() - due).finally(() => this.schedule());
    }, this.interval);
  }

  /**
   * Kills instances over restart.max_memory. The exit counts as a failed run, so the restart
   * policy's back-off and max_restarts apply (no restart loop); the event is recorded only when
   * a kill starts, once per OS process.
   */
  private enforceMemoryLimits(tick: MetricsTick, supervisor: Supervisor): void {
    const instances = new Map(
      supervisor.list().flatMap((program) => program.instances().map((i) => [i.id, i] as const)),
    );
    // The instance's own config: during a rolling reload, old and new instances may differ.
    const breaches = findMemoryLimitBreaches(
      tick.instances,
      (sample) => instances.get(sample.instance)?.process.restart.max_memory,
    );
    for (const { sample, limitBytes } of breaches) {
      const instance = instances.get(sample.instance);
      if (!instance || instance.pid !== sample.pid) continue; // gone or restarted since the sample
      const figures = `${mib(sample.rssBytes)} (with its child processes), over restart.max_memory ${mib(limitBytes)}`;
      if (!instance.killForLimit(`uses ${figures}`)) continue;
      instance.report({
        type: 'instance.memory_limit',
        rssBytes: sample.rssBytes,
        limitBytes,
        message:
          instance.process.restart.policy === 'never'
            ? `${sample.instance} uses ${figures}: stopping it (restart.policy: never)`
            : `${sample.instance} uses ${figures}: restarting it (the restart policy's back-off applies)`,
      });
    }
  }

  private instanceStates(): PrometheusInstance[] {
    const now = this.options.clock.now();
    return (this.supervisor?.list() ?? []).flatMap((program) =>
      program.instances().map((instance) => ({
        process: program.name,
        index: instance.index,
        status: instance.status,
        pid: instance.pid ?? null,
        restarts: instance.restarts,
        uptimeSeconds:
          instance.pid !== undefined && instance.startedAt !== undefined
            ? Math.max(0, Math.floor((now - instance.startedAt) / 1000))
            : null,
      })),
    );
  }
}

/** Every instance with a running OS process. */
function sampleTargets(supervisor: Supervisor, now: number): SampleTarget[] {
  const targets: SampleTarget[] = [];
  for (const program of supervisor.list()) {
    for (const instance of program.instances()) {
      const pid = instance.pid;
      if (pid === undefined) continue;
      targets.push({
        process: program.name,
        instance: instance.id,
        index: instance.index,
        pid,
        startedAt: instance.startedAt ?? now,
        restarts: instance.restarts,
      });
    }
  }
  return targets;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
