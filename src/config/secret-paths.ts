/**
 * Which config keys hold secrets. Their values are masked by `config print` and never echoed in
 * error messages.
 */
import type { KeyPath } from './issues.js';

const SECRET_ENV_NAME = /pass|secret|token|key|credential|private|auth|cookie|session|salt|dsn/i;

export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_NAME.test(name);
}

export function isSecretPath(path: KeyPath): boolean {
  const p = path.map((part) => (typeof part === 'number' ? '#' : part)).join('.');
  if (/^server\.auth\.api_keys\.#\.key$/.test(p)) return true;
  if (p === 'server.auth.jwt.secret') return true;
  if (p === 'github.token' || p === 'github.update_mode.webhook.secret') return true;
  if (/^processes\.#\.github\.token$/.test(p)) return true;
  const env = /^processes\.#\.env\.(.+)$/.exec(p);
  return env !== null && isSecretEnvName(env[1]!);
}

export const MASK = '********';
