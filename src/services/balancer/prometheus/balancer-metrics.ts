/**
 * The balancers' Prometheus families, added to the metrics exporter's registry at the first
 * scrape (this file is loaded with prom-client, never at daemon start). Per route
 * {balancer, route} and per backend {process, index}: finished calls by gRPC code, calls in
 * flight, and a latency histogram built from our own buckets (the proxy's hot path never touches
 * prom-client; each scrape reads the counters).
 */
import type { Registry } from 'prom-client';
import type { CallStats, CallStatsSnapshot } from '../stats/index.js';

export interface BalancerMetricsSource {
  routeStats(): Array<{ balancer: string; route: string; stats: CallStats }>;
  backendStats(): Array<{ process: string; index: number; state: string; stats: CallStats }>;
}

type Labels = Record<string, string>;
interface Value {
  metricName?: string;
  labels: Labels;
  value: number;
}

/** A family whose values are computed at each scrape, in the shape prom-client's registry reads. */
function family(
  registry: Registry,
  name: string,
  help: string,
  type: 'counter' | 'gauge' | 'histogram',
  values: () => Value[],
): void {
  registry.registerMetric({
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, values: values(), aggregator: 'sum' }),
    reset: () => undefined,
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}

function byCode(labels: Labels, s: CallStatsSnapshot): Value[] {
  return Object.entries(s.byStatus).map(([code, value]) => ({
    labels: { ...labels, code },
    value,
  }));
}

function histogram(name: string, labels: Labels, s: CallStatsSnapshot): Value[] {
  const out: Value[] = [];
  let cumulative = 0;
  s.latency.counts.forEach((count, i) => {
    cumulative += count;
    const bound = s.latency.boundsMs[i];
    out.push({
      metricName: `${name}_bucket`,
      labels: { ...labels, le: bound === undefined ? '+Inf' : String(bound / 1000) },
      value: cumulative,
    });
  });
  out.push({ metricName: `${name}_sum`, labels, value: s.latency.sumMs / 1000 });
  out.push({ metricName: `${name}_count`, labels, value: s.latency.count });
  return out;
}

export function registerBalancerMetrics(registry: Registry, source: BalancerMetricsSource): void {
  // One snapshot per scrape and family group: the families below read them in the same pass.
  const routes = () =>
    source.routeStats().map((r) => ({
      labels: { balancer: r.balancer, route: r.route },
      snapshot: r.stats.snapshot(),
    }));
  const backends = () =>
    source.backendStats().map((b) => ({
      labels: { process: b.process, index: String(b.index) },
      state: b.state,
      snapshot: b.stats.snapshot(),
    }));

  family(
    registry,
    'gowinproc_balancer_requests_total',
    'Calls through a balancer route that finished, by gRPC status code name',
    'counter',
    () => routes().flatMap((r) => byCode(r.labels, r.snapshot)),
  );
  family(
    registry,
    'gowinproc_balancer_in_flight',
    'Calls in flight through a balancer route',
    'gauge',
    () => routes().map((r) => ({ labels: r.labels, value: r.snapshot.inFlight })),
  );
  const routeLatency = 'gowinproc_balancer_request_duration_seconds';
  family(
    registry,
    routeLatency,
    'Duration of calls through a balancer route, from request headers to the end of the response',
    'histogram',
    () => routes().flatMap((r) => histogram(routeLatency, r.labels, r.snapshot)),
  );
  family(
    registry,
    'gowinproc_backend_requests_total',
    'Calls a balancer sent to an instance that finished, by gRPC status code name',
    'counter',
    () => backends().flatMap((b) => byCode(b.labels, b.snapshot)),
  );
  family(
    registry,
    'gowinproc_backend_in_flight',
    'Calls in flight from the balancers to an instance',
    'gauge',
    () => backends().map((b) => ({ labels: b.labels, value: b.snapshot.inFlight })),
  );
  family(
    registry,
    'gowinproc_backend_up',
    'Whether the balancers send new calls to an instance (1), or not (0: not ready, draining or ejected); the state label says which',
    'gauge',
    () =>
      backends().map((b) => ({
        labels: { ...b.labels, state: b.state },
        value: b.state === 'ready' ? 1 : 0,
      })),
  );
  const backendLatency = 'gowinproc_backend_request_duration_seconds';
  family(
    registry,
    backendLatency,
    'Duration of calls a balancer sent to an instance',
    'histogram',
    () => backends().flatMap((b) => histogram(backendLatency, b.labels, b.snapshot)),
  );
}
