export {
  BalancerService,
  type BalancerServiceOptions,
  type BalancerView,
} from './balancer-service.js';
export type { BackendView, DrainResult } from './backend-pool.js';
export type { RouteView } from './balancer-router.js';
export type { CallStatsSnapshot } from './stats/index.js';
