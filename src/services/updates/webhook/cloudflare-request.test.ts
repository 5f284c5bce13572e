import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../../shared/index.js';
import { cloudflareWebhookRequest } from './cloudflare-request.js';

function failure(payload: unknown): DaemonError {
  try {
    cloudflareWebhookRequest(payload);
  } catch (error) {
    if (error instanceof DaemonError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(payload)}`);
}

describe('cloudflareWebhookRequest', () => {
  it('reads an update and a rollback as the worker sends them', () => {
    expect(
      cloudflareWebhookRequest({
        process_name: 'api',
        repository: 'owner/repo',
        version: 'v1.2.3',
        action: 'update',
      }),
    ).toEqual({ process: 'api', repository: 'owner/repo', version: 'v1.2.3', action: 'update' });
    expect(cloudflareWebhookRequest({ process_name: 'api', action: 'rollback' })).toEqual({
      process: 'api',
      action: 'rollback',
    });
    // Empty or null optional fields mean absent: the latest (update) or the previous (rollback).
    expect(
      cloudflareWebhookRequest({
        process_name: ' api ',
        repository: null,
        version: '',
        action: 'update',
      }),
    ).toEqual({ process: 'api', action: 'update' });
  });

  it('refuses an unknown or missing action with invalid_argument', () => {
    for (const action of ['deploy', 'UPDATE', undefined, 3]) {
      const error = failure({ process_name: 'api', action });
      expect(error.code).toBe('invalid_argument');
      expect(error.message).toContain('action: must be "update" or "rollback"');
    }
    expect(
      failure({ process_name: 'api', action: 'x'.repeat(10_000) }).message.length,
    ).toBeLessThan(300);
  });

  it('refuses bodies without a process name, with wrong types, or not objects', () => {
    expect(failure({ action: 'update' }).message).toContain('process_name: required');
    expect(failure({ process_name: '  ', action: 'update' }).message).toContain(
      'process_name: required',
    );
    expect(failure({ process_name: 7, action: 'update' }).message).toContain(
      'process_name: must be a string',
    );
    expect(failure({ process_name: 'api', version: 2, action: 'update' }).message).toContain(
      'version: must be a string',
    );
    expect(failure({ process_name: 'a'.repeat(201), action: 'update' }).message).toContain(
      'longer than 200',
    );
    for (const payload of [undefined, null, 'update', ['api']])
      expect(failure(payload).code).toBe('invalid_argument');
  });
});
