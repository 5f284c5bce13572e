/**
 * The Cloudflare webhook worker's call (cloudflare.md §4):
 * `{"process_name","repository","version","action":"update"|"rollback"}`. Pure validation; the
 * caller has authenticated the request and parsed the JSON.
 */
import { DaemonError } from '../../../shared/index.js';

export interface CloudflareWebhookRequest {
  process: string;
  repository?: string;
  /** Absent: the latest release (update) or the previous version (rollback). */
  version?: string;
  action: 'update' | 'rollback';
}

const MAX_FIELD = 200;

/** Throws DaemonError invalid_argument naming the field that is missing or wrong. */
export function cloudflareWebhookRequest(payload: unknown): CloudflareWebhookRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw invalid(
      'the body must be a JSON object {"process_name","repository","version","action"}',
    );
  const fields = payload as Record<string, unknown>;
  const process = field(fields, 'process_name', true);
  const action = fields['action'];
  if (action !== 'update' && action !== 'rollback') {
    const shown =
      typeof action === 'string' ? JSON.stringify(action.slice(0, MAX_FIELD)) : String(action);
    throw invalid(`action: must be "update" or "rollback", not ${shown}`);
  }
  const repository = field(fields, 'repository', false);
  const version = field(fields, 'version', false);
  return {
    process: process!,
    action,
    ...(repository !== undefined ? { repository } : {}),
    ...(version !== undefined ? { version } : {}),
  };
}

/** A string field: required ones must be non-empty; optional ones may be absent, null or "". */
function field(
  fields: Record<string, unknown>,
  name: string,
  required: boolean,
): string | undefined {
  const value = fields[name];
  if (value !== undefined && value !== null && typeof value !== 'string')
    throw invalid(`${name}: must be a string`);
  const text = value?.trim() ?? '';
  if (text === '') {
    if (required) throw invalid(`${name}: required`);
    return undefined;
  }
  if (text.length > MAX_FIELD) throw invalid(`${name}: longer than ${MAX_FIELD} characters`);
  return text;
}

function invalid(problem: string): DaemonError {
  return new DaemonError('invalid_argument', `invalid webhook request: ${problem}`);
}
