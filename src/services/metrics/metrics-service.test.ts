import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { fakeApp } from '../../../test/helpers/fake-app.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import type { SupervisorEvent } from '../../core/index.js';
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
              rssBytes: this.rss.get(pid) ?? 10 * MiB,
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

/** `scheduled: false` keeps the loop's timer from firing: the test calls tick() itself. */
async function setup(scheduled = false) {
  const { supervisor } = await fakeApp(configFromYaml(tempDir(), YAML));
  const clock = new FakeClock(Date.UTC(2026, 10, 29, 12));
  const serviceClock = scheduled
    ? clock
    : { now: () => clock.now(), setTimeout: () => () => undefined };
  const reader = new ScriptedReader();
  let host = hostCounters(0, 0);
  const hostReader: HostReader = { read: () => Promise.resolve(host) };
  const store = new RecordingStore();
  const warnings: string[] = [];
  const service = new MetricsService({
    config: supervisor.currentConfig().metrics,
    dataDir: tempDir(),
    clock: serviceClock,
    platform: 'linux',
    warn: (message) => warnings.push(message),
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

  it('restarts an instance over restart.max_memory once, with an instance.memory_limit event', async () => {
    const { supervisor, service, reader, events, warnings } = await setup();
    const web = supervisor.program('web');
    const [web0, web1] = web.instances();
    // A ready instance is replaced with zero downtime (one not ready yet is restarted in place).
    await waitFor(() => web.ready().length === 2 || `${web.ready().length} ready`);
    reader.rss.set(web1!.pid!, 150 * MiB);
    await service.tick();
    await service.tick(); // still over while the replacement runs: no second restart
    await waitFor(() =>
      warnings.length > 0
        ? warnings.join('; ')
        : (web1!.status === 'stopped' && web.ready().length === 2) ||
          `${web1!.id} is ${web1!.status}, ${web.ready().length} ready`,
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
    expect(web0!.status).toBe('healthy');
    // The worker has no limit: never restarted, whatever it uses.
    reader.rss.set(supervisor.program('worker').instances()[0]!.pid!, 10 * 1024 * MiB);
    await service.tick();
    expect(events.filter((e) => e.type === 'instance.memory_limit')).toHaveLength(1);
  });

  it('turns a failed reading into a warning and keeps sampling', async () => {
    const { service, reader, warnings, store } = await setup();
    reader.failNext = true;
    expect(await service.tick()).toBeUndefined();
    expect(warnings).toEqual(['a metrics sample failed: EMFILE: too many open files']);
    expect(await service.tick()).toBeDefined();
    expect(store.ticks).toHaveLength(1);
  });

  it('samples on its clock every interval until stopped, then closes the reader and store', async () => {
    const { service, clock, store, reader } = await setup(true);
    await clock.advance(1000);
    await waitFor(() => store.ticks.length === 1 || `${store.ticks.length} ticks`);
    await clock.advance(1000);
    await waitFor(() => store.ticks.length === 2 || `${store.ticks.length} ticks`);
    service.stop();
    await clock.advance(5000);
    expect(store.ticks).toHaveLength(2);
    expect(store.closed && reader.closed).toBe(true);
  });
});
