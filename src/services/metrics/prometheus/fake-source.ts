/** Plain-object sources for the exporter's tests: a tick and an instance list, both editable. */
import type { DaemonSample, HostSample, InstanceSample, MetricsTick } from '../types.js';
import type { PrometheusInstance, PrometheusSource } from './source.js';

export interface FakeSource extends PrometheusSource {
  current: MetricsTick | undefined;
  list: PrometheusInstance[];
}

export function fakeSource(
  list: PrometheusInstance[],
  current: MetricsTick | undefined,
  dataDir = '/var/lib/gowinproc',
): FakeSource {
  return {
    current,
    list,
    dataDir,
    tick() {
      return this.current;
    },
    instances() {
      return this.list;
    },
  };
}

export function fakeInstance(
  process: string,
  index: number,
  overrides: Partial<PrometheusInstance> = {},
): PrometheusInstance {
  return {
    process,
    index,
    status: 'healthy',
    pid: 1000 + index,
    restarts: 0,
    uptimeSeconds: 60,
    ...overrides,
  };
}

/** A sample of the instance's current pid, every field known. */
export function fakeSample(
  instance: PrometheusInstance,
  overrides: Partial<InstanceSample> = {},
): InstanceSample {
  return {
    process: instance.process,
    instance: `${instance.process}-${instance.index}`,
    index: instance.index,
    pid: instance.pid ?? 0,
    at: 1_700_000_000_000,
    cpuPercent: 12.5,
    rssBytes: 50_000_000,
    diskReadBps: 1024,
    diskWriteBps: 2048,
    networkRxBps: null,
    networkTxBps: null,
    handles: 24,
    threads: 7,
    processes: 1,
    uptimeSeconds: instance.uptimeSeconds ?? 0,
    restarts: instance.restarts,
    ...overrides,
  };
}

export function fakeHost(overrides: Partial<HostSample> = {}): HostSample {
  return {
    at: 1_700_000_000_000,
    cpuPercent: 37.5,
    cores: 8,
    load1: 0.5,
    load5: 0.25,
    load15: 0.125,
    memoryTotalBytes: 16 * 2 ** 30,
    memoryUsedBytes: 6 * 2 ** 30,
    memoryAvailableBytes: 10 * 2 ** 30,
    diskReadBps: 4096,
    diskWriteBps: 8192,
    diskTotalBytes: 500 * 10 ** 9,
    diskFreeBytes: 123 * 10 ** 9,
    networkRxBps: 1500,
    networkTxBps: 700,
    ...overrides,
  };
}

export function fakeDaemon(overrides: Partial<DaemonSample> = {}): DaemonSample {
  return {
    at: 1_700_000_000_000,
    cpuPercent: 0.8,
    rssBytes: 60_000_000,
    heapUsedBytes: 20_000_000,
    eventLoopLagMs: 12.5,
    eventLoopLagMaxMs: 40,
    handles: 33,
    tickMs: 7,
    ...overrides,
  };
}

export function fakeTick(
  instances: InstanceSample[],
  host: HostSample = fakeHost(),
  daemon: DaemonSample = fakeDaemon(),
): MetricsTick {
  return { at: 1_700_000_000_000, instances, host, daemon };
}
