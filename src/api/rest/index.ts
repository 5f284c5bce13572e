export { buildRestApi, restRoutes, type RestApiOptions } from './rest-api.js';
export { Router, type RestRequest, type RestResponse } from './router.js';
export {
  listen,
  nodeHandler,
  MAX_BODY_BYTES,
  type RunningServer,
  type ListenOptions,
} from './node-adapter.js';
export { HTTP_STATUS } from './error-status.js';
export type { RouteSpec } from './route.js';
