/** ErrorCode -> HTTP status, once for the REST edge (../shared/spec/rest.md). */
import type { ErrorCode } from '../../shared/index.js';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  config_invalid: 400,
  config_not_found: 400,
  process_not_found: 404,
  instance_not_found: 404,
  not_found: 404,
  max_instances_reached: 422,
  min_instances_reached: 422,
  operation_in_progress: 409,
  binary_not_found: 422,
  permission_denied: 422,
  work_dir_missing: 422,
  port_in_use: 422,
  port_range_exhausted: 422,
  spawn_failed: 422,
  hook_failed: 422,
  not_ready: 422,
  daemon_locked: 409,
  daemon_unreachable: 503,
  unauthenticated: 401,
  forbidden: 403,
  payload_too_large: 413,
  shutting_down: 503,
  internal: 500,
};
