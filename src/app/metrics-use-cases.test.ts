import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../test/helpers/config.js';
import { fakeApp } from '../../test/helpers/fake-app.js';
import { FakeMetricsSource } from '../../test/helpers/fake-metrics.js';
import { instanceSample, metricsTick } from '../../test/helpers/metric-samples.js';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { DaemonError } from '../shared/index.js';
import { MAX_POINTS, resolveRange } from './metrics-use-cases.js';

const NOW = Date.UTC(2026, 10, 29, 12);
const HOUR = 3_600_000;

describe('resolveRange', () => {
  const fine = () => 1000;

  it('defaults to the last hour with a step of about 300 points', () => {
    expect(resolveRange({}, NOW, fine)).toEqual({ from: NOW - HOUR, to: NOW, stepMs: 15_000 });
  });

  it('reads RFC 3339, Unix milliseconds and -duration', () => {
    expect(
      resolveRange({ from: '2026-11-29T11:55:00Z', to: String(NOW), step: '10s' }, NOW, fine),
    ).toEqual({ from: NOW - 300_000, to: NOW, stepMs: 10_000 });
    expect(resolveRange({ from: '-7d' }, NOW, () => HOUR)).toEqual({
      from: NOW - 7 * 86_400_000,
      to: NOW,
      stepMs: HOUR, // 7 d / 300 = 33.6 min -> the next nice step, 1 h
    });
  });

  it('bounds the points of a whole answer, over every series it holds', () => {
    expect(resolveRange({ from: '-1h', step: '10s' }, NOW, fine, 20).stepMs).toBe(10_000);
    expect(() => resolveRange({ from: '-1h', step: '1s' }, NOW, fine, 20)).toThrow(
      /72000 points over 20 series.*at least 8s or ask for one instance/,
    );
  });

  it('never steps finer than the stored resolution of the range', () => {
    expect(resolveRange({ from: '-24h', step: '1s' }, NOW, () => 60_000).stepMs).toBe(60_000);
  });

  it.each([
    [{ from: 'yesterday' }, /invalid from "yesterday"/],
    [{ to: '2026-13-45T99:00:00Z' }, /invalid to/],
    [{ from: String(NOW), to: String(NOW - 1) }, /must be before to/],
    [{ step: 'often' }, /invalid step "often"/],
    [
      { from: '-7d', step: '1s' },
      new RegExp(`604800 points .*more than ${MAX_POINTS}.*at least 61s`),
    ],
    [{ to: '9000000000000000' }, /invalid to "9000000000000000"/],
    [{ from: '-200000000d' }, /invalid from/],
  ])('refuses %j with invalid_argument', (query, message) => {
    const error = (() => {
      try {
        resolveRange(query, NOW, fine);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DaemonError);
    expect((error as DaemonError).code).toBe('invalid_argument');
    expect((error as DaemonError).message).toMatch(message);
  });
});

const YAML = `
processes:
  - name: web
    binary_path: /bin/web
    instances: 2
    max_instances: 3
    secrets: { enabled: false }
  - name: worker
    binary_path: /bin/worker
    secrets: { enabled: false }
`;

async function setup() {
  const source = new FakeMetricsSource();
  const { app, supervisor } = await fakeApp(configFromYaml(tempDir(), YAML), { metrics: source });
  const [web0, web1] = supervisor.program('web').instances();
  const [worker0] = supervisor.program('worker').instances();
  const sample = (instance: typeof web0, overrides: Parameters<typeof instanceSample>[0]) =>
    instanceSample({
      process: instance!.process.name,
      instance: instance!.id,
      index: instance!.index,
      pid: instance!.pid!,
      ...overrides,
    });
  source.publish(
    metricsTick([
      sample(web0, { cpuPercent: 10.004, rssBytes: 100, diskReadBps: null, diskWriteBps: 5.6 }),
      sample(web1, { cpuPercent: null, rssBytes: 200, diskReadBps: null, diskWriteBps: 1 }),
      sample(worker0, { cpuPercent: 50, rssBytes: 1000 }),
    ]),
  );
  return { app, supervisor, source, web0: web0!, web1: web1! };
}

describe('MetricsUseCases', () => {
  it("gives a process's latest samples and their totals, nulls kept as unknown", async () => {
    const { app, web0, web1 } = await setup();
    const { current } = app.metrics.process('web', {});
    expect(current.instances.map((i) => [i.instance_id, i.cpu_usage, i.memory_usage])).toEqual([
      [web0.id, 10, 100],
      [web1.id, null, 200],
    ]);
    expect(current.instances[0]).toMatchObject({
      process_name: 'web',
      disk_read: null,
      disk_write: 6,
      network_recv: null,
      network_sent: null,
    });
    expect(current.aggregated).toEqual({
      total_cpu_usage: 10,
      total_memory_usage: 300,
      total_disk_read: null,
      total_disk_write: 7,
      total_network_recv: null,
      total_network_sent: null,
      instance_count: 2,
    });
  });

  it('filters by instance id or index, and 404s an unknown process or instance', async () => {
    const { app, web1, source } = await setup();
    expect(app.metrics.current('web', web1.id).instances.map((i) => i.index)).toEqual([1]);
    expect(app.metrics.process('web', { instance: '1' }).current.instances).toHaveLength(1);
    expect(source.queries.at(-1)).toMatchObject({ process: 'web', index: 1 });
    expect(() => app.metrics.process('nope', {})).toThrow(/no process named "nope"/);
    expect(() => app.metrics.current('web', 'web-9')).toThrow(/has no instance "web-9"/);
    expect(() => app.metrics.current(undefined, '1')).toThrow(/needs its process name/);
  });

  it("keeps an index's history reachable when no current instance has that index", async () => {
    const { app, source } = await setup();
    const answer = app.metrics.process('web', { instance: '7' });
    expect(answer.current.instances).toEqual([]);
    expect(answer.current.aggregated.total_cpu_usage).toBeNull();
    expect(source.queries.at(-1)).toMatchObject({ process: 'web', index: 7 });
  });

  it('refuses an answer over the point bound when the history holds more instances than today', async () => {
    const { app, source } = await setup();
    source.instancePoints = Array.from({ length: MAX_POINTS + 1 }, (_, i) => ({
      at: NOW - HOUR + i,
      index: i % 40,
      cpuPercent: 1,
      cpuPercentMax: 1,
      rssBytes: 1,
      rssBytesMax: 1,
      diskReadBps: null,
      diskWriteBps: null,
      handles: null,
      threads: null,
    }));
    expect(() => app.metrics.process('web', { from: '-1h', step: '1s' })).toThrow(
      /10001 points over the instances this process has had/,
    );
  });

  it('gives every instance of every process when no name is given', async () => {
    const { app } = await setup();
    const all = app.metrics.current();
    expect(all.aggregated).toMatchObject({ instance_count: 3, total_memory_usage: 1300 });
  });

  it('shows the sample inside the instance views only for the same pid', async () => {
    const { app, web0, source } = await setup();
    const detail = app.processes.get('web');
    expect(detail.instances[0]?.metrics).toMatchObject({ instance_id: web0.id, memory_usage: 100 });
    source.publish(metricsTick([instanceSample({ instance: web0.id, pid: 424242 })]));
    expect(app.processes.status('web').instances[0]?.metrics).toBeUndefined();
  });

  it('maps stored series and the range it used', async () => {
    const { app, source } = await setup();
    source.instancePoints = [
      {
        at: NOW - 60_000,
        index: 0,
        cpuPercent: 33.333,
        cpuPercentMax: 80,
        rssBytes: 1000.4,
        rssBytesMax: 2000,
        diskReadBps: null,
        diskWriteBps: 10.6,
        handles: 5.5,
        threads: null,
      },
    ];
    const answer = app.metrics.process('web', {
      from: String(NOW - HOUR),
      to: String(NOW),
      step: '1m',
    });
    expect(answer).toMatchObject({
      process: 'web',
      from: new Date(NOW - HOUR).toISOString(),
      to: new Date(NOW).toISOString(),
      step: '1m',
      step_ms: 60_000,
    });
    expect(answer.series).toEqual([
      {
        time: new Date(NOW - 60_000).toISOString(),
        index: 0,
        cpu_usage: 33.33,
        cpu_usage_max: 80,
        memory_usage: 1000,
        memory_usage_max: 2000,
        disk_read: null,
        disk_write: 11,
        handles: 6,
        threads: null,
      },
    ]);
  });

  it('gives the host and the daemon, and null before the first sample', async () => {
    const { app } = await setup();
    const host = app.metrics.host({});
    expect(host.current).toMatchObject({
      cpu_percent: 20,
      memory_used: 2 * 1024 ** 3,
      disk_used: 60 * 1024 ** 3,
      network_recv: 300,
    });
    expect(host.daemon).toMatchObject({ memory_rss: 60 * 1024 * 1024, tick_ms: 1.25 });
    const empty = await fakeApp(configFromYaml(tempDir(), YAML), {
      metrics: new FakeMetricsSource(),
    });
    expect(empty.app.metrics.host({})).toMatchObject({ current: null, daemon: null, series: [] });
  });

  it('streams frames, one process when asked', async () => {
    const { app, source, web0 } = await setup();
    const frames: string[][] = [];
    const stop = app.metrics.subscribe(
      (f) => frames.push(f.instances.map((i) => i.process_name)),
      'web',
    );
    source.publish(
      metricsTick([instanceSample({ instance: web0.id }), instanceSample({ process: 'worker' })]),
    );
    stop();
    source.publish(metricsTick([]));
    expect(frames).toEqual([['web']]);
  });

  it('refuses the Prometheus text when metrics.prometheus is false', async () => {
    const { app } = await fakeApp(configFromYaml(tempDir(), YAML), {
      metrics: new FakeMetricsSource(),
      prometheus: false,
    });
    await expect(app.metrics.prometheus()).rejects.toMatchObject({ code: 'not_found' });
  });
});
