import { DaemonError } from '../../shared/index.js';

/** Client ids the auth worker can store; others break its storage keys (spec cloudflare.md §1). */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

export function isValidClientId(clientId: string): boolean {
  return CLIENT_ID_PATTERN.test(clientId);
}

/** Throws invalid_argument naming the bad client id, so a typo in the config is found at once. */
export function assertClientId(clientId: string): void {
  if (typeof clientId === 'string' && isValidClientId(clientId)) return;
  throw new DaemonError(
    'invalid_argument',
    `client id ${JSON.stringify(clientId)} is invalid: use only letters, digits, ".", "_" and "-" (the auth worker cannot store other ids)`,
    { details: { clientId } },
  );
}
