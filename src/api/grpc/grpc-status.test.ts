import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { DaemonError, ERROR_CODE_LIST } from '../../shared/index.js';
import {
  ERROR_CODE_METADATA,
  GRPC_CODE,
  INTERNAL_MESSAGE,
  MAX_MESSAGE_CHARS,
  toConnectError,
  wireMessage,
} from './grpc-status.js';

describe('GRPC_CODE', () => {
  it('maps every error code to a real status, never UNKNOWN or OK', () => {
    expect(Object.keys(GRPC_CODE).sort()).toEqual([...ERROR_CODE_LIST].sort());
    for (const code of ERROR_CODE_LIST) {
      expect(Code[GRPC_CODE[code]], code).toBeDefined();
      expect(GRPC_CODE[code], code).not.toBe(Code.Unknown);
    }
  });

  it('uses the codes grpc.md names', () => {
    expect(GRPC_CODE).toMatchObject({
      process_not_found: Code.NotFound,
      instance_not_found: Code.NotFound,
      not_found: Code.NotFound,
      invalid_argument: Code.InvalidArgument,
      config_invalid: Code.InvalidArgument,
      max_instances_reached: Code.ResourceExhausted,
      min_instances_reached: Code.FailedPrecondition,
      not_ready: Code.FailedPrecondition,
      hook_failed: Code.FailedPrecondition,
      secrets_missing: Code.FailedPrecondition,
      operation_in_progress: Code.Aborted,
      file_exists: Code.AlreadyExists,
      daemon_locked: Code.FailedPrecondition,
      unauthenticated: Code.Unauthenticated,
      forbidden: Code.PermissionDenied,
      permission_denied: Code.FailedPrecondition,
      not_implemented: Code.Unimplemented,
      rate_limited: Code.ResourceExhausted,
      payload_too_large: Code.ResourceExhausted,
      shutting_down: Code.Unavailable,
      daemon_unreachable: Code.Unavailable,
      cloudflare_auth_failed: Code.Unavailable,
      cloudflare_unavailable: Code.Unavailable,
      instance_unreachable: Code.Unavailable,
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
    });
  });
});

describe('toConnectError', () => {
  it('keeps a DaemonError message and names its code in the metadata', () => {
    const error = toConnectError(new DaemonError('process_not_found', 'no process named "x"'));
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe('no process named "x"');
    expect(error.metadata.get(ERROR_CODE_METADATA)).toBe('process_not_found');
  });

  it('answers bugs without their text', () => {
    const bug = toConnectError(new TypeError('cannot read properties of undefined (secret=abc)'));
    expect(bug.code).toBe(Code.Internal);
    expect(bug.rawMessage).toBe(INTERNAL_MESSAGE);
    const internal = toConnectError(new DaemonError('internal', 'stack: /home/me/x.ts:12'));
    expect(internal.rawMessage).toBe(INTERNAL_MESSAGE);
    expect(toConnectError('a string').code).toBe(Code.Internal);
  });

  it('passes ConnectErrors through and adds retry-after to rate_limited', () => {
    const own = new ConnectError('deadline', Code.DeadlineExceeded);
    expect(toConnectError(own)).toBe(own);
    const limited = toConnectError(
      new DaemonError('rate_limited', 'too many failures', {
        details: { retry_after_seconds: 30 },
      }),
    );
    expect(limited.code).toBe(Code.ResourceExhausted);
    expect(limited.metadata.get('retry-after')).toBe('30');
  });

  it('keeps messages fit for the grpc-message trailer: bounded and well-formed', () => {
    const echoed = toConnectError(
      new DaemonError('process_not_found', `no process named "${'a'.repeat(100_000)}"`),
    );
    expect(echoed.rawMessage.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS + 20);
    expect(echoed.rawMessage).toMatch(/^no process named "a+… \(truncated\)$/);
    expect(echoed.code).toBe(Code.NotFound);
    const lone = toConnectError(
      new ConnectError('bad value "\ud800x\udc00"', Code.InvalidArgument),
    );
    expect(lone.rawMessage).toBe('bad value "\ufffdx\ufffd"');
    expect(lone.code).toBe(Code.InvalidArgument);
    expect(() => encodeURIComponent(lone.rawMessage)).not.toThrow();
    // A surrogate pair at the cut is dropped whole, never split.
    const emoji = wireMessage(`${'a'.repeat(MAX_MESSAGE_CHARS - 1)}😀tail`);
    expect(() => encodeURIComponent(emoji)).not.toThrow();
    expect(emoji.startsWith(`${'a'.repeat(MAX_MESSAGE_CHARS - 1)}…`)).toBe(true);
    expect(wireMessage('fine 😀')).toBe('fine 😀');
  });
});
