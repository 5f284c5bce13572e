import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Gauge } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPrometheusExporter, type PrometheusExporter } from './index.js';
import {
  fakeInstance,
  fakeSample,
  fakeSource,
} from '../../../../test/helpers/fake-prometheus-source.js';
import { metricsTick } from '../../../../test/helpers/metric-samples.js';
import { INSTANCE_STATES } from './instance-metrics.js';

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];

async function scrape(exporter: PrometheusExporter): Promise<Map<string, Family>> {
  const families = parsePrometheusTextFormat(await exporter.render());
  return new Map(families.map((family) => [family.name, family]));
}

/** The samples of one family as `labels -> value`, labels rendered `k=v,...` in sorted order. */
function valuesOf(families: Map<string, Family>, name: string): Record<string, number> {
  const family = families.get(name);
  if (family === undefined) throw new Error(`no family ${name}`);
  const values: Record<string, number> = {};
  for (const sample of family.metrics) {
    const labels = Object.entries(sample.labels ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    values[labels] = Number(sample.value);
  }
  return values;
}

const INSTANCE_FAMILIES = [
  'gowinproc_instance_cpu_percent',
  'gowinproc_instance_memory_rss_bytes',
  'gowinproc_instance_disk_read_bytes_per_second',
  'gowinproc_instance_disk_write_bytes_per_second',
  'gowinproc_instance_open_handles',
  'gowinproc_instance_threads',
  'gowinproc_instance_processes',
  'gowinproc_instance_uptime_seconds',
  'gowinproc_instance_restarts_total',
  'gowinproc_instance_up',
];
const HOST_FAMILIES = [
  'gowinproc_host_cpu_percent',
  'gowinproc_host_cpu_cores',
  'gowinproc_host_load1',
  'gowinproc_host_load5',
  'gowinproc_host_load15',
  'gowinproc_host_memory_total_bytes',
  'gowinproc_host_memory_available_bytes',
  'gowinproc_host_disk_read_bytes_per_second',
  'gowinproc_host_disk_write_bytes_per_second',
  'gowinproc_host_disk_total_bytes',
  'gowinproc_host_disk_free_bytes',
  'gowinproc_host_network_receive_bytes_per_second',
  'gowinproc_host_network_transmit_bytes_per_second',
];
const DAEMON_FAMILIES = [
  'gowinproc_daemon_cpu_percent',
  'gowinproc_daemon_memory_rss_bytes',
  'gowinproc_daemon_heap_used_bytes',
  'gowinproc_daemon_event_loop_lag_seconds',
  'gowinproc_daemon_event_loop_utilization',
  'gowinproc_daemon_active_handles',
  'gowinproc_metrics_tick_seconds',
];

function twoInstances() {
  const api0 = fakeInstance('api', 0, { pid: 4100, restarts: 3, uptimeSeconds: 125 });
  const api1 = fakeInstance('api', 1, { pid: 4101 });
  const samples = [
    fakeSample(api0, {
      cpuPercent: 50,
      rssBytes: 123_456_789,
      diskReadBps: 1024,
      diskWriteBps: 1_048_576,
      handles: 24,
      threads: 7,
      processes: 1,
    }),
    fakeSample(api1),
  ];
  // What 'shows the figures in their units' reads back, set here rather than left to defaults.
  const host = {
    cpuPercent: 37.5,
    cores: 8,
    load15: 0.125,
    memoryTotalBytes: 16 * 2 ** 30,
    memoryAvailableBytes: 10 * 2 ** 30,
    diskWriteBps: 8192,
    diskTotalBytes: 500 * 10 ** 9,
    diskFreeBytes: 123 * 10 ** 9,
    networkRxBps: 1500,
    networkTxBps: 700,
  };
  const daemon = {
    cpuPercent: 0.8,
    rssBytes: 60_000_000,
    heapUsedBytes: 20_000_000,
    eventLoopLagMs: 12.5,
    eventLoopUtilization: 0.04,
    handles: 33,
    tickMs: 7,
  };
  const source = fakeSource([api0, api1], metricsTick(samples, { host, daemon }));
  return { api0, api1, source };
}

describe('createPrometheusExporter', () => {
  it('gives every family a HELP and a TYPE, restarts as a counter and the rest as gauges', async () => {
    const families = await scrape(
      createPrometheusExporter(twoInstances().source, { defaultMetrics: false }),
    );
    const expected = [
      ...INSTANCE_FAMILIES,
      'gowinproc_instance_state',
      ...HOST_FAMILIES,
      ...DAEMON_FAMILIES,
    ];
    expect([...families.keys()].sort()).toEqual([...expected].sort());
    for (const family of families.values()) {
      expect(family.help, family.name).toMatch(/\w/);
      const counter = family.name === 'gowinproc_instance_restarts_total';
      expect(family.type, family.name).toBe(counter ? 'COUNTER' : 'GAUGE');
    }
  });

  it('shows the figures in their units: percent, bytes, bytes per second, seconds', async () => {
    const families = await scrape(
      createPrometheusExporter(twoInstances().source, { defaultMetrics: false }),
    );
    const api0 = 'index=0,process=api';
    expect(valuesOf(families, 'gowinproc_instance_cpu_percent')[api0]).toBe(50);
    expect(valuesOf(families, 'gowinproc_instance_memory_rss_bytes')[api0]).toBe(123_456_789);
    expect(valuesOf(families, 'gowinproc_instance_disk_read_bytes_per_second')[api0]).toBe(1024);
    expect(valuesOf(families, 'gowinproc_instance_disk_write_bytes_per_second')[api0]).toBe(
      1_048_576,
    );
    expect(valuesOf(families, 'gowinproc_instance_open_handles')[api0]).toBe(24);
    expect(valuesOf(families, 'gowinproc_instance_threads')[api0]).toBe(7);
    expect(valuesOf(families, 'gowinproc_instance_processes')[api0]).toBe(1);
    expect(valuesOf(families, 'gowinproc_instance_uptime_seconds')[api0]).toBe(125);

    expect(valuesOf(families, 'gowinproc_host_cpu_percent')['']).toBe(37.5);
    expect(valuesOf(families, 'gowinproc_host_cpu_cores')['']).toBe(8);
    expect(valuesOf(families, 'gowinproc_host_load15')['']).toBe(0.125);
    expect(valuesOf(families, 'gowinproc_host_memory_total_bytes')['']).toBe(17_179_869_184);
    expect(valuesOf(families, 'gowinproc_host_memory_available_bytes')['']).toBe(10_737_418_240);
    expect(valuesOf(families, 'gowinproc_host_disk_write_bytes_per_second')['']).toBe(8192);
    expect(valuesOf(families, 'gowinproc_host_network_receive_bytes_per_second')['']).toBe(1500);
    expect(valuesOf(families, 'gowinproc_host_network_transmit_bytes_per_second')['']).toBe(700);
    expect(valuesOf(families, 'gowinproc_host_disk_total_bytes')).toEqual({
      'path=/var/lib/gowinproc': 500_000_000_000,
    });
    expect(valuesOf(families, 'gowinproc_host_disk_free_bytes')).toEqual({
      'path=/var/lib/gowinproc': 123_000_000_000,
    });

    expect(valuesOf(families, 'gowinproc_daemon_cpu_percent')['']).toBe(0.8);
    expect(valuesOf(families, 'gowinproc_daemon_memory_rss_bytes')['']).toBe(60_000_000);
    expect(valuesOf(families, 'gowinproc_daemon_heap_used_bytes')['']).toBe(20_000_000);
    expect(valuesOf(families, 'gowinproc_daemon_event_loop_lag_seconds')['']).toBe(0.0125);
    expect(valuesOf(families, 'gowinproc_daemon_event_loop_utilization')['']).toBe(0.04);
    expect(valuesOf(families, 'gowinproc_daemon_active_handles')['']).toBe(33);
    expect(valuesOf(families, 'gowinproc_metrics_tick_seconds')['']).toBe(0.007);
  });

  it('labels per-instance series with exactly {process, index} (plus state for the state family)', async () => {
    const families = await scrape(
      createPrometheusExporter(twoInstances().source, { defaultMetrics: false }),
    );
    for (const name of INSTANCE_FAMILIES) {
      const samples = families.get(name)?.metrics ?? [];
      expect(samples, name).toHaveLength(2);
      for (const sample of samples) {
        expect(Object.keys(sample.labels ?? {}).sort(), name).toEqual(['index', 'process']);
      }
    }
    for (const sample of families.get('gowinproc_instance_state')?.metrics ?? []) {
      expect(Object.keys(sample.labels ?? {}).sort()).toEqual(['index', 'process', 'state']);
    }
  });

  it('omits a series whose figure is null instead of showing 0', async () => {
    const api0 = fakeInstance('api', 0);
    const sample = fakeSample(api0, {
      rssBytes: 50_000_000,
      cpuPercent: null,
      diskReadBps: null,
      diskWriteBps: null,
      handles: null,
      threads: null,
    });
    const host = {
      diskTotalBytes: 500_000_000_000,
      cpuPercent: null,
      load1: null,
      load5: null,
      load15: null,
      diskFreeBytes: null,
      networkRxBps: null,
    };
    const tick = metricsTick([sample], { host, daemon: { cpuPercent: null } });
    const source = fakeSource([api0], tick, '/data');
    const families = await scrape(createPrometheusExporter(source, { defaultMetrics: false }));

    for (const name of [
      'gowinproc_instance_cpu_percent',
      'gowinproc_instance_disk_read_bytes_per_second',
      'gowinproc_instance_disk_write_bytes_per_second',
      'gowinproc_instance_open_handles',
      'gowinproc_instance_threads',
      'gowinproc_host_cpu_percent',
      'gowinproc_host_load1',
      'gowinproc_host_load5',
      'gowinproc_host_load15',
      'gowinproc_host_disk_free_bytes',
      'gowinproc_host_network_receive_bytes_per_second',
      'gowinproc_daemon_cpu_percent',
    ]) {
      expect(valuesOf(families, name), name).toEqual({});
    }
    expect(valuesOf(families, 'gowinproc_instance_memory_rss_bytes')).toEqual({
      'index=0,process=api': 50_000_000,
    });
    expect(valuesOf(families, 'gowinproc_host_disk_total_bytes')).toEqual({
      'path=/data': 500_000_000_000,
    });
  });

  it('before the first tick shows the instances state but no measured figure', async () => {
    const source = fakeSource(
      [fakeInstance('api', 0, { status: 'starting', pid: null, uptimeSeconds: null })],
      undefined,
    );
    const families = await scrape(createPrometheusExporter(source, { defaultMetrics: false }));
    const measured = [...INSTANCE_FAMILIES, ...HOST_FAMILIES, ...DAEMON_FAMILIES].filter(
      (name) => !['gowinproc_instance_up', 'gowinproc_instance_restarts_total'].includes(name),
    );
    for (const name of measured) expect(valuesOf(families, name), name).toEqual({});
    expect(valuesOf(families, 'gowinproc_instance_up')).toEqual({ 'index=0,process=api': 0 });
    expect(
      valuesOf(families, 'gowinproc_instance_state')['index=0,process=api,state=starting'],
    ).toBe(1);
  });

  it('drops an instance that is gone at the next render, even if the tick still holds it', async () => {
    const { source } = twoInstances();
    const exporter = createPrometheusExporter(source, { defaultMetrics: false });
    expect(Object.keys(valuesOf(await scrape(exporter), 'gowinproc_instance_up'))).toHaveLength(2);

    source.list = source.list.filter((instance) => instance.index !== 1);
    const families = await scrape(exporter);
    for (const name of [...INSTANCE_FAMILIES, 'gowinproc_instance_state']) {
      for (const labels of Object.keys(valuesOf(families, name))) {
        expect(labels, name).toMatch(/^index=0,/);
      }
    }
  });

  it('does not show the sample of an earlier pid under a restarted instance', async () => {
    const { api0, source } = twoInstances();
    source.list = [{ ...api0, pid: 4200, restarts: 4, uptimeSeconds: 0 }];
    const families = await scrape(createPrometheusExporter(source, { defaultMetrics: false }));
    expect(valuesOf(families, 'gowinproc_instance_memory_rss_bytes')).toEqual({});
    expect(valuesOf(families, 'gowinproc_instance_cpu_percent')).toEqual({});
    expect(valuesOf(families, 'gowinproc_instance_up')).toEqual({ 'index=0,process=api': 1 });
    expect(valuesOf(families, 'gowinproc_instance_restarts_total')).toEqual({
      'index=0,process=api': 4,
    });
  });

  it('counts restarts as set by the supervisor, following it up between renders', async () => {
    const { api0, source } = twoInstances();
    const exporter = createPrometheusExporter(source, { defaultMetrics: false });
    expect(valuesOf(await scrape(exporter), 'gowinproc_instance_restarts_total')).toEqual({
      'index=0,process=api': 3,
      'index=1,process=api': 0,
    });
    api0.restarts = 5;
    expect(valuesOf(await scrape(exporter), 'gowinproc_instance_restarts_total')).toEqual({
      'index=0,process=api': 5,
      'index=1,process=api': 0,
    });
  });

  it('one-hot encodes the state over every status, and up follows the pid', async () => {
    const stopped = fakeInstance('web', 2, { status: 'backoff', pid: null, uptimeSeconds: null });
    const source = fakeSource([fakeInstance('web', 0), stopped], metricsTick([]));
    const exporter = createPrometheusExporter(source, { defaultMetrics: false });
    let families = await scrape(exporter);
    const state = valuesOf(families, 'gowinproc_instance_state');
    expect(Object.keys(state)).toHaveLength(2 * INSTANCE_STATES.length);
    expect(INSTANCE_STATES).toEqual([
      'starting',
      'running',
      'healthy',
      'unhealthy',
      'stopping',
      'stopped',
      'backoff',
      'failed',
    ]);
    for (const status of INSTANCE_STATES) {
      expect(state[`index=0,process=web,state=${status}`], status).toBe(
        status === 'healthy' ? 1 : 0,
      );
      expect(state[`index=2,process=web,state=${status}`], status).toBe(
        status === 'backoff' ? 1 : 0,
      );
    }
    expect(valuesOf(families, 'gowinproc_instance_up')).toEqual({
      'index=0,process=web': 1,
      'index=2,process=web': 0,
    });
    expect(valuesOf(families, 'gowinproc_instance_uptime_seconds')).toEqual({
      'index=0,process=web': 60,
    });

    stopped.status = 'starting';
    families = await scrape(exporter);
    const after = valuesOf(families, 'gowinproc_instance_state');
    expect(after['index=2,process=web,state=backoff']).toBe(0);
    expect(after['index=2,process=web,state=starting']).toBe(1);
  });

  it('renders families other parts register on its registry', async () => {
    const exporter = createPrometheusExporter(twoInstances().source, { defaultMetrics: false });
    const picks = new Gauge({
      name: 'gowinproc_balancer_test_backends',
      help: 'Backends of a balancer (test family).',
      registers: [exporter.registry],
    });
    picks.set(3);
    expect(valuesOf(await scrape(exporter), 'gowinproc_balancer_test_backends')).toEqual({ '': 3 });
    expect(exporter.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('reads the source once per render', async () => {
    const { source } = twoInstances();
    let ticks = 0;
    let lists = 0;
    const counted = {
      dataDir: source.dataDir,
      tick: () => (ticks++, source.tick()),
      instances: () => (lists++, source.instances()),
    };
    const exporter = createPrometheusExporter(counted, { defaultMetrics: false });
    await exporter.render();
    await exporter.render();
    expect({ ticks, lists }).toEqual({ ticks: 2, lists: 2 });
  });

  it('adds prom-client default families without a new timer that keeps the process up', async () => {
    const before = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const exporter = createPrometheusExporter(twoInstances().source);
    const families = await scrape(exporter);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(families.has(name), name).toBe(true);
    }
    expect(families.has('gowinproc_instance_up')).toBe(true);
    const after = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});
