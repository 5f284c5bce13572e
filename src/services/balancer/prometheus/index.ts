export { registerBalancerMetrics, type BalancerMetricsSource } from './balancer-metrics.js';
