/** Tick builders for the store's tests: plain values, overridable field by field. */
import type { InstanceSample, MetricsTick } from '../types.js';

export type InstanceValues = Partial<InstanceSample> & Pick<InstanceSample, 'process' | 'index'>;

export function instanceSample(at: number, values: InstanceValues): InstanceSample {
  return {
    instance: `${values.process}-${values.index}`,
    pid: 1000 + values.index,
    at,
    cpuPercent: 10,
    rssBytes: 1_000_000,
    diskReadBps: 0,
    diskWriteBps: 0,
    networkRxBps: null,
    networkTxBps: null,
    handles: 10,
    threads: 4,
    processes: 1,
    uptimeSeconds: 60,
    restarts: 0,
    ...values,
  };
}

export interface TickValues {
  instances?: InstanceValues[];
  hostCpuPercent?: number | null;
  memoryUsedBytes?: number;
  daemonRssBytes?: number;
}

export function metricsTick(at: number, values: TickValues = {}): MetricsTick {
  return {
    at,
    instances: (values.instances ?? []).map((instance) => instanceSample(at, instance)),
    host: {
      at,
      cpuPercent: values.hostCpuPercent === undefined ? 5 : values.hostCpuPercent,
      cores: 4,
      load1: 0.5,
      load5: 0.4,
      load15: 0.3,
      memoryTotalBytes: 8_000_000_000,
      memoryUsedBytes: values.memoryUsedBytes ?? 4_000_000_000,
      memoryAvailableBytes: 4_000_000_000,
      diskReadBps: 100,
      diskWriteBps: 200,
      diskTotalBytes: 500_000_000_000,
      diskFreeBytes: 200_000_000_000,
      networkRxBps: 300,
      networkTxBps: 400,
    },
    daemon: {
      at,
      cpuPercent: 0.5,
      rssBytes: values.daemonRssBytes ?? 50_000_000,
      heapUsedBytes: 20_000_000,
      eventLoopLagMs: 1.5,
      eventLoopLagMaxMs: 4,
      handles: 30,
      tickMs: 2,
    },
  };
}

/** `count` instances of one process, all with the same values. */
export function instancesOf(process: string, count: number, values: Partial<InstanceSample> = {}) {
  return Array.from({ length: count }, (_, index) => ({ ...values, process, index }));
}
