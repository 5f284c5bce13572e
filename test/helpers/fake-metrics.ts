/**
 * A MetricsSource fed by the test: edge tests publish ticks and choose what the store answers,
 * without OS readers or SQLite. Samples are built with plain defaults, overridable per field.
 */
import type { MetricsSource } from '../../src/app/index.js';
import type {
  HostPoint,
  HostSample,
  InstancePoint,
  InstanceSample,
  MetricsTick,
  RangeQuery,
} from '../../src/services/metrics/index.js';
import { EventBus } from '../../src/shared/index.js';

export class FakeMetricsSource implements MetricsSource {
  readonly interval = 1000;
  private readonly bus = new EventBus<MetricsTick>();
  private last: MetricsTick | undefined;
  instancePoints: InstancePoint[] = [];
  hostPoints: HostPoint[] = [];
  queries: Array<{ process?: string; range: RangeQuery; index?: number | undefined }> = [];
  resolution = 1000;
  prometheusText = '# HELP up test\n# TYPE up gauge\nup 1\n';

  publish(tick: MetricsTick): void {
    this.last = tick;
    this.bus.publish(tick);
  }

  latest(): MetricsTick | undefined {
    return this.last;
  }

  subscribe(listener: (tick: MetricsTick) => void): () => void {
    return this.bus.subscribe(listener);
  }

  queryInstances(process: string, range: RangeQuery, index?: number): InstancePoint[] {
    this.queries.push({ process, range, index });
    return this.instancePoints.filter((p) => index === undefined || p.index === index);
  }

  queryHost(range: RangeQuery): HostPoint[] {
    this.queries.push({ range });
    return this.hostPoints;
  }

  resolutionFor(): number {
    return this.resolution;
  }

  prometheus(): Promise<{ contentType: string; body: string }> {
    return Promise.resolve({ contentType: 'text/plain; version=0.0.4', body: this.prometheusText });
  }
}

export function instanceSample(overrides: Partial<InstanceSample> = {}): InstanceSample {
  return {
    process: 'web',
    instance: 'web-0-aaaaaa',
    index: 0,
    pid: 1000,
    at: Date.UTC(2026, 10, 29, 12),
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
    at: Date.UTC(2026, 10, 29, 12),
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

export function metricsTick(
  instances: InstanceSample[],
  at = Date.UTC(2026, 10, 29, 12),
): MetricsTick {
  return {
    at,
    instances,
    host: hostSample({ at }),
    daemon: {
      at,
      cpuPercent: 0.4,
      rssBytes: 60 * 1024 * 1024,
      heapUsedBytes: 20 * 1024 * 1024,
      eventLoopLagMs: 0.2,
      eventLoopLagMaxMs: 1.5,
      handles: 9,
      tickMs: 1.25,
    },
  };
}
