/** The REST API of the daemon: the route table over the app facade, behind the Router. */
import type { App } from '../../app/index.js';
import type { AuthPolicy } from '../auth/index.js';
import type { RouteSpec } from './route.js';
import { Router, type BrowserGuard } from './router.js';
import { DashboardSite } from './dashboard-site.js';
import { authRoutes } from './routes/auth-routes.js';
import { daemonRoutes } from './routes/daemon-routes.js';
import { docRoutes } from './routes/doc-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { logRoutes } from './routes/log-routes.js';
import { balancerRoutes } from './routes/balancer-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { updateRoutes } from './routes/update-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { processRoutes } from './routes/process-routes.js';
import { registryRoutes } from './routes/registry-routes.js';

export interface RestApiOptions {
  app: App;
  auth: AuthPolicy;
  /** Called with every error answered with a 500 (bugs), for the daemon log. */
  onInternalError?: (error: unknown) => void;
  /** Which browser pages may call the API (default: none but the API's own origin). */
  browser?: BrowserGuard;
  /**
   * Serve the dashboard at `/` from its build directory (web/dist; dashboard-site.ts); `dir`
   * undefined: its pages say it is not built. Absent: no dashboard, only the API's paths.
   */
  dashboard?: { dir: string | undefined } | undefined;
}

export function restRoutes(app: App): RouteSpec[] {
  const routes: RouteSpec[] = [
    ...daemonRoutes(app),
    ...authRoutes(),
    ...processRoutes(app),
    ...logRoutes(app),
    ...eventRoutes(app),
    ...metricsRoutes(app),
    ...balancerRoutes(app),
    ...updateRoutes(app),
    ...registryRoutes(app),
    ...webhookRoutes(app),
  ];
  // The document describes the whole table, these two routes included.
  routes.push(...docRoutes(() => routes));
  return routes;
}

export function buildRestApi(options: RestApiOptions): Router {
  return new Router(
    restRoutes(options.app),
    options.auth,
    options.onInternalError,
    options.browser,
    options.dashboard ? new DashboardSite(options.dashboard.dir) : undefined,
  );
}
