/**
 * A MetricsSource fed by the test: edge tests publish ticks and choose what the store answers,
 * without OS readers or SQLite. Build the ticks it publishes with ./metric-samples.ts.
 */
import type { MetricsSource } from '../../src/app/index.js';
import type {
  HostPoint,
  InstancePoint,
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
