export { buildRestApi, restRoutes, MAX_BODY_BYTES, type RestApiOptions } from './rest-api.js';
export { HTTP_STATUS } from './error-status.js';
export { listen, type RunningServer } from './server.js';
export type { RouteSpec } from './route.js';
