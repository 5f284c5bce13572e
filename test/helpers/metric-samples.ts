/**
 * Builders of the metrics service's samples for tests: plain defaults, every field overridable.
 * Every figure is known (non-null) except the per-process network rates, which the OS does not
 * give; a test that asserts a figure passes it explicitly rather than relying on a default.
 */
import type {
  DaemonSample,
  HostSample,
  InstanceSample,
  MetricsTick,
} from '../../src/services/metrics/index.js';

/** The default moment of a sample or tick, Unix ms. */
export const SAMPLE_AT = Date.UTC(2026, 10, 29, 12);

export function instanceSample(overrides: Partial<InstanceSample> = {}): InstanceSample {
  return {
    process: 'web',
    instance: 'web-0-aaaaaa',
    index: 0,
    pid: 1000,
    at: SAMPLE_AT,
    cpuPercent: 12.5,
    rssBytes: 50 * 1024 * 1024,
    diskReadBps: 0,
    diskWriteBps: 4096,
    networkRxBps: null,
    networkTxBps: null,
    handles: 12,
    threads: 7,
    processes: 1,
    uptimeSeconds: 30,
    restarts: 0,
    ...overrides,
  };
}

export function hostSample(overrides: Partial<HostSample> = {}): HostSample {
  return {
    at: SAMPLE_AT,
    cpuPercent: 20,
    cores: 2,
    load1: 0.5,
    load5: 0.4,
    load15: 0.3,
    memoryTotalBytes: 8 * 1024 ** 3,
    memoryUsedBytes: 2 * 1024 ** 3,
    memoryAvailableBytes: 6 * 1024 ** 3,
    diskReadBps: 1000,
    diskWriteBps: 2000,
    diskTotalBytes: 100 * 1024 ** 3,
    diskFreeBytes: 40 * 1024 ** 3,
    networkRxBps: 300,
    networkTxBps: 400,
    ...overrides,
  };
}

export function daemonSample(overrides: Partial<DaemonSample> = {}): DaemonSample {
  return {
    at: SAMPLE_AT,
    cpuPercent: 0.4,
    rssBytes: 60 * 1024 * 1024,
    heapUsedBytes: 20 * 1024 * 1024,
    eventLoopLagMs: 0.2,
    eventLoopUtilization: 0.01,
    handles: 9,
    tickMs: 1.25,
    ...overrides,
  };
}

export interface TickOptions {
  /** The tick's moment, also given to its host and daemon samples (not to the instances'). */
  at?: number;
  host?: Partial<HostSample>;
  daemon?: Partial<DaemonSample>;
}

/** A tick of the given instance samples, with a default host and daemon sample. */
export function metricsTick(instances: InstanceSample[], options: TickOptions = {}): MetricsTick {
  const at = options.at ?? SAMPLE_AT;
  return {
    at,
    instances,
    host: hostSample({ at, ...options.host }),
    daemon: daemonSample({ at, ...options.daemon }),
  };
}
