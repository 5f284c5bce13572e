/**
 * ErrorCode -> gRPC status code, once for the gRPC, gRPC-Web and Connect edges (grpc.md: real
 * status codes, never UNKNOWN with a text). Choices that are not obvious:
 * - operation_in_progress: ABORTED (a concurrency conflict: retry once the running operation
 *   ends), as REST's 409.
 * - file_exists: ALREADY_EXISTS, the code gRPC defines for "the file to create already exists".
 * - daemon_locked: FAILED_PRECONDITION (another daemon owns the data directory; retrying the same
 *   call does not help until an operator acts).
 * - permission_denied is the operating system refusing a file, not the caller's role:
 *   FAILED_PRECONDITION. The caller's role is `forbidden` -> PERMISSION_DENIED.
 * - max_instances_reached and port_range_exhausted: RESOURCE_EXHAUSTED (a bounded resource is
 *   used up); min_instances_reached: FAILED_PRECONDITION.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { DaemonError, type ErrorCode } from '../../shared/index.js';

export const GRPC_CODE: Record<ErrorCode, Code> = {
  invalid_argument: Code.InvalidArgument,
  config_invalid: Code.InvalidArgument,
  config_not_found: Code.FailedPrecondition,
  process_not_found: Code.NotFound,
  instance_not_found: Code.NotFound,
  not_found: Code.NotFound,
  not_implemented: Code.Unimplemented,
  rate_limited: Code.ResourceExhausted,
  instance_unreachable: Code.Unavailable,
  max_instances_reached: Code.ResourceExhausted,
  min_instances_reached: Code.FailedPrecondition,
  operation_in_progress: Code.Aborted,
  binary_not_found: Code.FailedPrecondition,
  permission_denied: Code.FailedPrecondition,
  work_dir_missing: Code.FailedPrecondition,
  port_in_use: Code.FailedPrecondition,
  port_range_exhausted: Code.ResourceExhausted,
  spawn_failed: Code.FailedPrecondition,
  hook_failed: Code.FailedPrecondition,
  not_ready: Code.FailedPrecondition,
  secrets_missing: Code.FailedPrecondition,
  key_invalid: Code.FailedPrecondition,
  file_exists: Code.AlreadyExists,
  cloudflare_auth_failed: Code.Unavailable,
  cloudflare_unavailable: Code.Unavailable,
  daemon_locked: Code.FailedPrecondition,
  daemon_unreachable: Code.Unavailable,
  unauthenticated: Code.Unauthenticated,
  forbidden: Code.PermissionDenied,
  payload_too_large: Code.ResourceExhausted,
  shutting_down: Code.Unavailable,
  update_in_progress: Code.Aborted,
  release_not_found: Code.NotFound,
  asset_not_found: Code.FailedPrecondition,
  asset_ambiguous: Code.FailedPrecondition,
  checksum_missing: Code.FailedPrecondition,
  checksum_mismatch: Code.FailedPrecondition,
  archive_unsafe: Code.FailedPrecondition,
  download_failed: Code.Unavailable,
  github_unavailable: Code.Unavailable,
  github_rate_limited: Code.ResourceExhausted,
  internal: Code.Internal,
};

/**
 * The response metadata (a trailer on gRPC) that carries our own error code beside the gRPC
 * status, so a client can tell process_not_found from instance_not_found.
 */
export const ERROR_CODE_METADATA = 'gowinproc-error-code';

/** What a caller sees of a bug: the details go to the daemon log, never over the wire. */
export const INTERNAL_MESSAGE = 'internal error; the daemon log has the details';

/**
 * Longest message a caller receives. On the native port it travels percent-encoded in the
 * grpc-message trailer, and peers limit header sizes (grpc-java: 8 KiB): a message that echoed a
 * 100 KB process name made the stream fail with RST_STREAM, which clients report as INTERNAL.
 */
export const MAX_MESSAGE_CHARS = 512;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` as it can go on the wire: well-formed (grpc-message is written with encodeURIComponent,
 * which throws on a lone surrogate and left the call without a status) and bounded.
 */
export function wireMessage(text: string): string {
  const wellFormed = text.replace(LONE_SURROGATE, '\uFFFD');
  if (wellFormed.length <= MAX_MESSAGE_CHARS) return wellFormed;
  // Cut before a surrogate pair, not through it.
  const end = /[\uD800-\uDBFF]/.test(wellFormed[MAX_MESSAGE_CHARS - 1]!)
    ? MAX_MESSAGE_CHARS - 1
    : MAX_MESSAGE_CHARS;
  return `${wellFormed.slice(0, end)}… (truncated)`;
}

/**
 * The ConnectError a caller receives for anything a handler threw. A ConnectError passes as it is
 * (the framework's own: deadline, malformed message), its message made wire-safe; everything else
 * becomes a DaemonError and keeps its message, except `internal`, whose message may hold
 * internals. A rate_limited answer carries `retry-after` (seconds) as REST's 429 does.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) {
    const message = wireMessage(error.rawMessage);
    if (message === error.rawMessage) return error;
    const safe = new ConnectError(message, error.code, error.metadata, undefined, error.cause);
    safe.details = error.details;
    return safe;
  }
  const failure = DaemonError.from(error);
  const message = wireMessage(failure.code === 'internal' ? INTERNAL_MESSAGE : failure.message);
  const metadata: Record<string, string> = { [ERROR_CODE_METADATA]: failure.code };
  const retryAfter = failure.details['retry_after_seconds'];
  if (failure.code === 'rate_limited' && typeof retryAfter === 'number')
    metadata['retry-after'] = String(retryAfter);
  return new ConnectError(message, GRPC_CODE[failure.code], metadata, undefined, error);
}
