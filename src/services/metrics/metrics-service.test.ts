import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { fakeApp } from '../../../test/helpers/fake-app.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { FakeProcessDriver, type SupervisorEvent } from '../../core/index.js';
import { FakeClock } from '../../shared/index.js';
import { MetricsService } from './metrics-service.js';
import type {
  HostCounters,
  HostReader,
  MetricsStore,
  MetricsTick,
  ProcessCounters,
  ProcessTreeReader,
} from './types.js';

const MiB = 1024 * 1024;

/** Counters the test sets per pid; every pid the supervisor asks about exists unless removed. */
class ScriptedReader implements ProcessTreeReader {
  cpuMs = new Map<number, number>();
  rss = new Map<number, number>();
  /** The RSS of every pid not in `rss`. */
  defaultRss = 10 * MiB;
  children = new Map<number, ProcessCounters[]>();
  failNext = false;
  closed = false;

  readTrees(roots: readonly number[]): Promise<Map<number, ProcessCounters[]>> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('EMFILE: too many open files'));
    }
    return Promise.resolve(
      new Map(
        roots.map((pid) => [
          pid,
          [
            {
              pid,
              ppid: 1,
              startTime: 1,
              cpuMs: this.cpuMs.get(pid) ?? 0,
              rssBytes: this.rss.get(pid) ?? this.defaultRss,
              readBytes: 0,
              writeBytes: 0,
              handles: 4,
              threads: 2,
            },
            ...(this.children.get(pid) ?? []),
          ],
        ]),
      ),
    );
  }

  close(): void {
    this.closed = true;
  }
}

const hostCounters = (busy: number, total: number): HostCounters => ({
  cpuBusyMs: busy,
  cpuTotalMs: total,
  cores: 2,
  load1: 0.1,
  load5: 0.1,
  load15: 0.1,
  memoryTotalBytes: 1000 * MiB,
  memoryAvailableBytes: 600 * MiB,
  diskReadBytes: 0,
  diskWriteBytes: 0,
  diskTotalBytes: 100,
  diskFreeBytes: 50,
  networkRxBytes: 0,
  networkTxBytes: 0,
});

class RecordingStore implements MetricsStore {
  ticks: MetricsTick[] = [];
  closed = false;
  write(tick: MetricsTick): void {
    this.ticks.push(tick);
  }
  queryInstances() {
    return [];
  }
  queryHost() {
    return [];
  }
  resolutionFor() {
    return 1000;
  }
  close(): void {
    this.closed = true;
  }
}

const YAML = `
processes:
  - name: web
    binary_path: /bin/web
    instances: 2
    max_instances: 4
    secrets: { enabled: false }
    restart: { max_memory: 100MiB }
  - name: worker
    binary_path: /bin/worker
    secrets: { enabled: false }
`;

const NEVER_YAML = YAML.replace(
  'restart: { max_memory: 100MiB }',
  'restart: { max_memory: 100MiB, policy: never }\n    stop: { timeout: 300ms }',
);
const STRICT_YAML = YAML.replace(
  'restart: { max_memory: 100MiB }',
  'restart: { max_memory: 100MiB, max_restarts: 2, backoff: { initial: 10ms } }',
);

/** `scheduled: false` keeps the loop's timer from firing: the test calls tick() itself. */
async function setup(scheduled = false, yaml = YAML, driver?: FakeProcessDriver) {
  const { supervisor } = await fakeApp(configFromYaml(tempDir(), yaml), driver ? { driver } : {});
  const clock = new FakeClock(Date.UTC(2026, 10, 29, 12));
  const serviceClock = scheduled
    ? clock
    : { now: () => clock.now(), setTimeout: () => () => undefined };
  const reader = new ScriptedReader();
  let host = hostCounters(0, 0);
  const hostReader: HostReader = { read: () => Promise.resolve(host) };
  const store = new RecordingStore();
  const warnings: string[] = [];
  let monotonicNow = 0;
  const service = new MetricsService({
    config: supervisor.currentConfig().metrics,
    dataDir: tempDir(),
    clock: serviceClock,
    platform: 'linux',
    warn: (message) => warnings.push(message),
    // Each timer fires 250 ms late by this clock: the daemon's event-loop lag.
    monotonic: () => (monotonicNow += 1250),
    reader,
    hostReader,
    store,
  });
  await service.start(supervisor);
  const events: SupervisorEvent[] = [];
  supervisor.events.subscribe((event) => events.push(event));
  const setHost = (busy: number, total: number) => (host = hostCounters(busy, total));
  return { supervisor, service, reader, store, clock, warnings, events, setHost };
}

describe('MetricsService', () => {
  it('samples every running instance with rates between ticks, and the host and daemon', async () => {
    const { supervisor, service, reader, store, clock, setHost } = await setup();
    const [web0] = supervisor.program('web').instances();
    const first = await service.tick();
    expect(first?.instances.map((s) => s.process).sort()).toEqual(['web', 'web', 'worker']);
    expect(first?.instances.every((s) => s.cpuPercent === null)).toBe(true);
    expect(first?.host.cpuPercent).toBeNull();

    reader.cpuMs.set(web0!.pid!, 500); // half a second of CPU in one second: 50 % of a core
    setHost(1000, 4000);
    await clock.advance(1000);
    const second = await service.tick();
    const sample = second?.instances.find((s) => s.instance === web0!.id);
    expect(sample).toMatchObject({ cpuPercent: 50, rssBytes: 10 * MiB, index: 0, processes: 1 });
    expect(second?.host).toMatchObject({ cpuPercent: 25, memoryUsedBytes: 400 * MiB });
    expect(second?.daemon.rssBytes).toBeGreaterThan(MiB);
    expect(store.ticks).toHaveLength(2);
    expect(service.latest()).toBe(second);
  });

  it('sums a tree (the instance and its children) and counts its processes', async () => {
    const { supervisor, service, reader } = await setup();
    const worker = supervisor.program('worker').instances()[0]!;
    reader.children.set(worker.pid!, [
      {
        pid: 90001,
        ppid: worker.pid!,
        startTime: 5,
        cpuMs: 0,
        rssBytes: 30 * MiB,
        readBytes: 0,
        writeBytes: 0,
        handles: 3,
        threads: 1,
      },
    ]);
    const tick = await service.tick();
    expect(tick?.instances.find((s) => s.process === 'worker')).toMatchObject({
      rssBytes: 40 * MiB,
      processes: 2,
      handles: 7,
      threads: 3,
    });
  });

  it('publishes each tick to subscribers and leaves out instances that stopped', async () => {
    const { supervisor, service } = await setup();
    const seen: number[] = [];
    const stop = service.subscribe((tick) => seen.push(tick.instances.length));
    await service.tick();
    await supervisor.program('worker').stop();
    await service.tick();
    stop();
    await service.tick();
    expect(seen).toEqual([3, 2]);
  });

  it('restarts an instance over restart.max_memory in place, once per process, with an event', async () => {
    const { supervisor, service, reader, events } = await setup();
    const web = supervisor.program('web');
    const [web0, web1] = web.instances();
    await waitFor(() => web.ready().length === 2 || `${web.ready().length} ready`);
    const oldPid = web1!.pid!;
    reader.rss.set(oldPid, 150 * MiB);
    await service.tick();
    expect(web1!.status).toBe('unhealthy'); // not ready while it stops
    await service.tick(); // still over while it stops: no second kill, no second event
    await waitFor(
      () =>
        (web1!.pid !== undefined && web1!.pid !== oldPid && web1!.status === 'healthy') ||
        `${web1!.id} is ${web1!.status} (pid ${web1!.pid})`,
    );
    const limits = events.filter((e) => e.type === 'instance.memory_limit');
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({
      process: 'web',
      instance: web1!.id,
      rssBytes: 150 * MiB,
      limitBytes: 100 * MiB,
      message: expect.stringContaining('150.0 MiB'),
    });
    expect(web1!.events().some((e) => e.type === 'instance.memory_limit')).toBe(true);
    // The exit went through the restart policy (a back-off), as a crash does.
    expect(
      events.some(
        (e) =>
          e.type === 'instance.state' &&
          e.instance === web1!.id &&
          e.to === 'backoff' &&
          /over restart\.max_memory/.test(e.reason ?? ''),
      ),
    ).toBe(true);
    expect(web1!.restarts).toBe(1);
    expect(web0!.status).toBe('healthy');
    // The worker has no limit: never restarted, whatever it uses.
    reader.rss.set(supervisor.program('worker').instances()[0]!.pid!, 10 * 1024 * MiB);
    await service.tick();
    expect(events.filter((e) => e.type === 'instance.memory_limit')).toHaveLength(1);
  });

  it('ends an instance that is over its limit at every start in failed, not a restart loop', async () => {
    const { supervisor, service, reader, events } = await setup(false, STRICT_YAML);
    const web = supervisor.program('web');
    await waitFor(() => web.ready().length === 2 || `${web.ready().length} ready`);
    const [web0, web1] = web.instances();
    reader.rss.set(web0!.pid!, 10 * MiB);
    reader.defaultRss = 150 * MiB; // web1, and every process it is restarted as
    await waitFor(async () => {
      await service.tick();
      return web1!.status === 'failed' || `${web1!.status} after ${web1!.restarts} restart(s)`;
    });
    expect(web1!.restarts).toBe(2); // max_restarts: 2, then it gives up
    expect(events.filter((e) => e.type === 'instance.memory_limit')).toHaveLength(3);
    expect(web0!.status).toBe('healthy');
  });

  it('kills once while a slow stop is in progress, and stops for good under restart.policy never', async () => {
    // web ignores SIGTERM: its stop waits for stop.timeout, then SIGKILL.
    const driver = new FakeProcessDriver().define('/bin/web', (p) => p.ignored.add('SIGTERM'));
    const { supervisor, service, reader, events } = await setup(false, NEVER_YAML, driver);
    const web = supervisor.program('web');
    await waitFor(() => web.ready().length === 2 || `${web.ready().length} ready`);
    const [, web1] = web.instances();
    reader.rss.set(web1!.pid!, 150 * MiB);
    await service.tick();
    await service.tick();
    await service.tick();
    expect(web1!.status).toBe('unhealthy');
    await waitFor(() => web1!.status === 'stopped' || `${web1!.id} is ${web1!.status}`);
    const limits = events.filter((e) => e.type === 'instance.memory_limit');
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({
      message: expect.stringContaining('stopping it (restart.policy: never)'),
    });
    expect(web1!.restarts).toBe(0);
  });

  it('kills every instance over the limit, several in one tick', async () => {
    const { supervisor, service, reader, events } = await setup();
    const web = supervisor.program('web');
    await waitFor(() => web.ready().length === 2 || `${web.ready().length} ready`);
    reader.defaultRss = 150 * MiB;
    reader.rss.set(supervisor.program('worker').instances()[0]!.pid!, 10 * MiB);
    await service.tick();
    expect(events.filter((e) => e.type === 'instance.memory_limit').map((e) => e.process)).toEqual([
      'web',
      'web',
    ]);
  });

  it('turns failed readings into one warning a minute and keeps sampling', async () => {
    const { service, reader, warnings, store, clock } = await setup();
    reader.failNext = true;
    expect(await service.tick()).toBeUndefined();
    expect(warnings).toEqual(['a metrics sample failed: EMFILE: too many open files']);
    expect(await service.tick()).toBeDefined();
    expect(store.ticks).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      reader.failNext = true;
      await service.tick();
    }
    expect(warnings).toHaveLength(1);
    await clock.advance(60_000);
    reader.failNext = true;
    await service.tick();
    expect(warnings.at(-1)).toBe(
      '4 metrics samples failed since the last warning; the latest: EMFILE: too many open files',
    );
  });

  it('never shows a sample older than three intervals as the latest', async () => {
    const { service, clock } = await setup();
    const tick = await service.tick();
    expect(service.latest()).toBe(tick);
    await clock.advance(3000);
    expect(service.latest()).toBe(tick);
    await clock.advance(1);
    expect(service.latest()).toBeUndefined();
  });

  it('runs without metrics, with a warning, when its store cannot open', async () => {
    const { supervisor } = await fakeApp(configFromYaml(tempDir(), YAML));
    const warnings: string[] = [];
    const options = {
      config: supervisor.currentConfig().metrics,
      dataDir: tempDir(),
      clock: new FakeClock(),
      platform: 'linux' as const,
      warn: (message: string) => warnings.push(message),
      reader: new ScriptedReader(),
      hostReader: { read: () => Promise.resolve(hostCounters(0, 0)) },
    };
    Object.defineProperty(options, 'store', {
      get() {
        throw new Error('better_sqlite3.node: invalid ELF header');
      },
    });
    const service = new MetricsService(options);
    await service.start(supervisor);
    expect(warnings).toEqual([
      'metrics are off for this run: they could not start (better_sqlite3.node: invalid ELF header)',
    ]);
    expect(await service.tick()).toBeUndefined();
    expect(supervisor.program('web').instances()).toHaveLength(2);
  });

  it('samples on its clock every interval until stopped, then closes the reader and store', async () => {
    const { service, clock, store, reader } = await setup(true);
    await clock.advance(1000);
    await waitFor(() => store.ticks.length === 1 || `${store.ticks.length} ticks`);
    await clock.advance(1000);
    await waitFor(() => store.ticks.length === 2 || `${store.ticks.length} ticks`);
    // The loop passes how late its timer fired as the daemon's event-loop lag: scheduled at 1250,
    // due at 2250, fired at 2500 by the monotonic clock.
    expect(store.ticks.map((t) => t.daemon.eventLoopLagMs)).toEqual([250, 250]);
    service.stop();
    await clock.advance(5000);
    expect(store.ticks).toHaveLength(2);
    expect(store.closed).toBe(true);
    expect(reader.closed).toBe(true);
  });
});
