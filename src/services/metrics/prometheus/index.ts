/**
 * Prometheus exposition. This door pulls in prom-client: import it lazily (`await import()` at
 * the first scrape). The source's types live in source.ts, free of prom-client, for eager use.
 */
export {
  createPrometheusExporter,
  type PrometheusExporter,
  type PrometheusExporterOptions,
} from './exporter.js';
export type { PrometheusInstance, PrometheusSource } from './source.js';
