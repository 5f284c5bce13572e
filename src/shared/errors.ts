/**
 * One error type for the whole daemon. Every failure that crosses a module boundary is a
 * DaemonError with a code from the closed ErrorCode set below; each edge (REST, gRPC, CLI) maps
 * codes once, in its own table. docs/errors.md lists every code (a test keeps them in sync).
 */

/** The closed set of error codes, each with the sentence docs/errors.md shows for it. */
export const ERROR_CODES = {
  invalid_argument: 'A request field or command-line argument is missing or has a bad value.',
  config_invalid: 'The configuration file has unknown keys or invalid values (each is listed).',
  config_not_found: 'The configuration file does not exist or cannot be read.',
  process_not_found: 'No configured process has this name.',
  instance_not_found: 'The process has no instance with this id or index.',
  max_instances_reached: 'The request would take a process above its max_instances.',
  min_instances_reached: 'The request would take a process below its min_instances.',
  operation_in_progress:
    'Another operation (restart, scale, stop, reload) is running on this process; retry when it ends.',
  binary_not_found: 'The executable configured in binary_path does not exist.',
  permission_denied:
    'The operating system refused access (the file is not executable or readable).',
  work_dir_missing: 'The configured work_dir does not exist or is not a directory.',
  port_in_use: 'The configured port is held by another program.',
  port_range_exhausted: 'Every port in port_range is in use or reserved.',
  spawn_failed: 'The operating system could not start the process.',
  hook_failed:
    'A lifecycle hook (secrets, certificates, ...) failed before the process could start.',
  not_ready: 'A new instance did not become ready (healthy) within its deadline.',
  secrets_missing:
    'A process requires its .env file (secrets.source: local) and the file does not exist.',
  key_invalid: 'A private key file cannot be read or does not hold an RSA private key.',
  file_exists:
    'The command would overwrite an existing file (a private key); pass --force to replace it.',
  cloudflare_auth_failed:
    'The Cloudflare auth worker refused the login; the message names the step (challenge, sign, verify) and the HTTP status.',
  cloudflare_unavailable:
    'The Cloudflare worker could not be reached or kept failing (network error, timeout, 5xx, 429) after the configured retries.',
  daemon_locked: 'Another gowinproc daemon holds the lock on this data directory.',
  daemon_unreachable:
    'The CLI could not reach the daemon (it is not running, or at another address).',
  unauthenticated: 'The request carries no valid credential.',
  forbidden: 'The credential is valid but its role does not allow this action.',
  not_found: 'No such route or resource.',
  not_implemented: 'This operation is not available in this daemon; nothing was done.',
  rate_limited: 'Too many failed authentication attempts from this client; wait and retry.',
  instance_unreachable:
    'A running instance did not answer (server reflection or the invoked method) in time.',
  payload_too_large: 'The request body exceeds the size limit.',
  shutting_down: 'The daemon is shutting down and accepts no new operations.',
  update_in_progress: 'An update or rollback of this process is already running; one at a time.',
  release_not_found:
    'GitHub has no such release (no release at all, no release with this tag, or only drafts and pre-releases).',
  asset_not_found: 'No asset of the release fits this machine or the configured asset glob.',
  asset_ambiguous: 'Several assets of the release fit this machine equally well.',
  checksum_missing:
    'The release carries no checksum for the asset and `checksum: required` is set.',
  checksum_mismatch:
    "The downloaded asset's SHA-256 differs from the release's checksum; nothing was installed.",
  archive_unsafe:
    'The release archive is damaged or has an entry that would land outside its directory (a path or link escaping it); nothing was installed.',
  download_failed:
    'Downloading a release asset failed (network error, idle timeout, HTTP error) after resuming where possible.',
  github_unavailable: 'The GitHub API could not be reached or answered with an error.',
  github_rate_limited: "GitHub's API rate limit is used up until the time the message gives.",
  internal: 'A bug in gowinproc; the daemon log has the details.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export interface DaemonErrorOptions {
  /** Structured facts for API clients (never secret values). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: DaemonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** Wraps anything thrown into a DaemonError, keeping one that already is. */
  static from(error: unknown, fallback: ErrorCode = 'internal'): DaemonError {
    if (error instanceof DaemonError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new DaemonError(fallback, message, { cause: error });
  }

  toJSON(): { error: string; code: ErrorCode } {
    return { error: this.message, code: this.code };
  }
}

/** The errno code of a Node system error (ENOENT, EACCES...), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
