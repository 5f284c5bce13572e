/**
 * Plain-object sources for the Prometheus exporter's tests: a tick and an instance list, both
 * editable. Build the tick with ./metric-samples.ts; `fakeSample` ties a sample to an instance.
 */
import type { InstanceSample, MetricsTick } from '../../src/services/metrics/index.js';
import type {
  PrometheusInstance,
  PrometheusSource,
} from '../../src/services/metrics/prometheus/source.js';
import { instanceSample } from './metric-samples.js';

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

/** A sample of the instance's current pid (its uptime and restarts too), every figure known. */
export function fakeSample(
  instance: PrometheusInstance,
  overrides: Partial<InstanceSample> = {},
): InstanceSample {
  return instanceSample({
    process: instance.process,
    instance: `${instance.process}-${instance.index}`,
    index: instance.index,
    pid: instance.pid ?? 0,
    uptimeSeconds: instance.uptimeSeconds ?? 0,
    restarts: instance.restarts,
    ...overrides,
  });
}
