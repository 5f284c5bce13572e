/**
 * The load balancers of the config: one gRPC proxy listener per `load_balancers[]` entry, one
 * backend pool for all of them, fed by the supervisor's events (an instance joins when healthy,
 * leaves when it is not), and a `stop` lifecycle hook that drains an instance (no new calls, wait
 * for its calls in flight) before the supervisor stops it — for restarts, scale-in and updates.
 */
import type { LoadBalancerConfig, ProcessConfig } from '../../config/index.js';
import type {
  Instance,
  InstanceInfo,
  LifecycleHook,
  ServiceEventBody,
  Supervisor,
  SupervisorEvent,
} from '../../core/index.js';
import { systemClock, type Clock } from '../../shared/index.js';
import {
  BackendPool,
  type BackendChange,
  type BackendInfo,
  type BackendView,
} from './backend-pool.js';
import { BalancerRouter, type RouteView } from './balancer-router.js';
import { GrpcProxy } from './proxy/index.js';
import { RateWindow, type CallStats } from './stats/index.js';

/** Backends listen on the loopback address: instances are local processes. */
const BACKEND_HOST = '127.0.0.1';
/** How far back requests per second are averaged for the API and the autoscaler. */
const RATE_WINDOW_MS = 10_000;
const RATE_SAMPLE_MS = 1000;

export interface BalancerServiceOptions {
  balancers: readonly LoadBalancerConfig[];
  /** The address every listener binds (server.host). */
  host: string;
  clock?: Clock;
  random?: () => number;
  /** The certificate of a balancer with `tls` (read by the daemon). */
  tls?: (balancer: LoadBalancerConfig) => Promise<{ cert: string; key: string } | undefined>;
  report: (processName: string, body: ServiceEventBody) => void;
}

export interface BalancerView {
  name: string;
  address: string;
  port: number;
  tls: boolean;
  routes: RouteView[];
  /** Calls whose method matched no route (answered UNIMPLEMENTED). */
  unmatched: number;
  backends: BackendView[];
  /** Requests per second over the last 10 s, all routes. */
  rps: number;
}

interface Listener {
  config: LoadBalancerConfig;
  router: BalancerRouter;
  proxy: GrpcProxy;
  port: number;
  tls: boolean;
  rate: RateWindow;
}

export class BalancerService {
  private readonly clock: Clock;
  readonly pool: BackendPool;
  private listeners: Listener[] = [];
  private readonly processRates = new Map<string, RateWindow>();
  private unsubscribe: (() => void) | undefined;
  private cancelSampling: (() => void) | undefined;
  private supervisor: Supervisor | undefined;
  /** The drain hook: runs before each instance stops. */
  readonly hook: LifecycleHook;

  constructor(private readonly options: BalancerServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.pool = new BackendPool({
      now: () => this.clock.now(),
      setTimeout: (fn, ms) => this.clock.setTimeout(fn, ms),
      onChange: (backend, change, message) => this.announce(backend, change, message),
    });
    this.hook = { name: 'balancer', stop: (ctx) => this.drainBeforeStop(ctx) };
  }

  /** Opens every listener; rejects (closing the ones opened) when one cannot listen. */
  async listen(): Promise<void> {
    const now = (): number => this.clock.now();
    try {
      for (const config of this.options.balancers) {
        const router = new BalancerRouter(config, this.pool, now, this.options.random);
        const tls = await this.options.tls?.(config);
        const proxy = new GrpcProxy({
          host: this.options.host,
          port: config.listen_port,
          tls,
          router,
          onWarning: (message) =>
            this.options.report('', {
              type: 'daemon.warning',
              message: `balancer ${config.name}: ${message}`,
            }),
        });
        const port = await proxy.listen().catch((error: Error) => {
          throw new Error(
            `balancer ${config.name} cannot listen on ${this.options.host}:${config.listen_port}: ${error.message}`,
            { cause: error },
          );
        });
        this.listeners.push({
          config,
          router,
          proxy,
          port,
          tls: tls !== undefined,
          rate: new RateWindow(RATE_WINDOW_MS),
        });
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Follows the supervisor: its ready instances of targeted processes become backends. */
  start(supervisor: Supervisor): void {
    if (this.listeners.length === 0) return;
    this.supervisor = supervisor;
    this.unsubscribe = supervisor.events.subscribe((event) => this.onEvent(event));
    for (const program of supervisor.list()) {
      for (const instance of program.instances()) this.follow(program.config, instance);
    }
    const sample = (): void => {
      this.sampleRates();
      this.cancelSampling = this.clock.setTimeout(sample, RATE_SAMPLE_MS);
    };
    sample();
  }

  /**
   * Stops accepting calls (GOAWAY to clients); calls in flight get each balancer's
   * drain_timeout to finish, then are answered UNAVAILABLE.
   */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.cancelSampling?.();
    const listeners = this.listeners;
    this.listeners = [];
    await Promise.all(listeners.map((l) => l.proxy.close(l.config.drain_timeout)));
  }

  /** The port each balancer listens on, by name. */
  ports(): Map<string, number> {
    return new Map(this.listeners.map((l) => [l.config.name, l.port]));
  }

  views(): BalancerView[] {
    const now = this.clock.now();
    const backends = this.pool.views();
    return this.listeners.map((l) => {
      const targets = l.router.targets;
      return {
        name: l.config.name,
        address: `${this.options.host}:${l.port}`,
        port: l.port,
        tls: l.tls,
        routes: l.router.views(),
        unmatched: l.router.unmatched,
        backends: backends.filter((b) => targets.has(b.process)),
        rps: round(l.rate.perSecond(now)),
      };
    });
  }

  /** Route stats of every balancer, for Prometheus. */
  routeStats(): Array<{ balancer: string; route: string; stats: CallStats }> {
    return this.listeners.flatMap((l) =>
      l.router
        .routeStats()
        .map((r) => ({ balancer: l.config.name, route: r.label, stats: r.stats })),
    );
  }

  /** Backend stats (each instance once, whichever balancers use it), for Prometheus. */
  backendStats(): Array<{ process: string; index: number; state: string; stats: CallStats }> {
    const now = this.clock.now();
    return this.pool.backends().map((e) => ({
      process: e.info.process,
      index: e.info.index,
      state: this.pool.stateOf(e, now),
      stats: e.stats,
    }));
  }

  /**
   * A process's load through the balancers, for the autoscaler: requests per second (10 s
   * average) and calls in flight, each per ready backend. Undefined when no balancer targets it.
   */
  processLoad(
    process: string,
  ): { rpsPerInstance: number; inFlightPerInstance: number; ready: number } | undefined {
    if (!this.listeners.some((l) => l.router.targets.has(process))) return undefined;
    const { inFlight, ready } = this.pool.load(process);
    const rps = this.processRates.get(process)?.perSecond(this.clock.now()) ?? 0;
    const per = Math.max(ready, 1);
    return { rpsPerInstance: rps / per, inFlightPerInstance: inFlight / per, ready };
  }

  private targeted(process: string): boolean {
    return this.listeners.some((l) => l.router.targets.has(process));
  }

  private onEvent(event: SupervisorEvent): void {
    if (event.type !== 'instance.state' || !this.targeted(event.process)) return;
    if (event.to === 'stopping') {
      this.pool.startDrain(event.instance);
      return;
    }
    if (event.to === 'stopped' || event.to === 'backoff' || event.to === 'failed') {
      // The process is gone: its pooled connection with it (a restart may bring a new port).
      this.pool.remove(event.instance);
      for (const l of this.listeners) l.proxy.forgetBackend(event.instance);
      return;
    }
    const program = this.supervisor?.list().find((p) => p.name === event.process);
    const instance = program?.instances().find((i) => i.id === event.instance);
    if (program && instance) this.follow(program.config, instance);
  }

  private follow(config: ProcessConfig, instance: Instance): void {
    if (!this.targeted(config.name)) return;
    const status = instance.status;
    if (status === 'stopping' || status === 'stopped') return;
    const info: BackendInfo = {
      id: instance.id,
      process: config.name,
      index: instance.index,
      host: BACKEND_HOST,
      port: instance.port,
    };
    // Pooled connections are per instance id: one that moved to another port needs a new one.
    const known = this.pool.get(info.id);
    if (known !== undefined && known.info.port !== info.port) {
      for (const l of this.listeners) l.proxy.forgetBackend(info.id);
    }
    this.pool.setReady(info, status === 'healthy');
  }

  private async drainBeforeStop(ctx: InstanceInfo & { reason: string }): Promise<void> {
    const timeouts = this.listeners
      .filter((l) => l.router.targets.has(ctx.process.name))
      .map((l) => l.config.drain_timeout);
    if (timeouts.length === 0 || !this.pool.get(ctx.id)) return;
    await this.pool.drain(ctx.id, Math.max(...timeouts));
  }

  private sampleRates(): void {
    const now = this.clock.now();
    for (const l of this.listeners) {
      let total = 0;
      for (const r of l.router.routeStats()) total += r.stats.requests;
      l.rate.sample(total, now);
    }
    const processes = new Set(this.listeners.flatMap((l) => [...l.router.targets]));
    for (const process of processes) {
      let rate = this.processRates.get(process);
      if (!rate) {
        rate = new RateWindow(RATE_WINDOW_MS);
        this.processRates.set(process, rate);
      }
      rate.sample(this.pool.load(process).requests, now);
    }
  }

  private announce(backend: BackendInfo, change: BackendChange, message: string): void {
    // Often called while the supervisor's bus delivers the event that caused it: publish after
    // that delivery, so every subscriber sees events in seq order.
    queueMicrotask(() => this.publishChange(backend, change, message));
  }

  private publishChange(backend: BackendInfo, change: BackendChange, message: string): void {
    for (const l of this.listeners) {
      if (!l.router.targets.has(backend.process)) continue;
      this.options.report(backend.process, {
        type: 'balancer.backend',
        balancer: l.config.name,
        instance: backend.id,
        index: backend.index,
        change,
        message,
      });
    }
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;
