/**
 * The original gowinproc's environment overrides. Each variable, when set and not empty, replaces
 * the matching keys (after the file and its aliases are read).
 */
import type { Origin } from './aliases.js';
import { setPath } from './aliases.js';
import type { Environment } from './expand.js';
import type { KeyPath } from './issues.js';

export const ENV_OVERRIDES: Record<string, KeyPath[]> = {
  GOWINPROC_PRIVATE_KEY: [
    ['secrets', 'cloudflare', 'private_key_path'],
    ['github', 'cloudflare', 'private_key_path'],
    ['tunnel', 'private_key_path'],
  ],
  GOWINPROC_AUTH_WORKER_URL: [
    ['secrets', 'cloudflare', 'worker_url'],
    ['tunnel', 'worker_url'],
  ],
  GOWINPROC_WEBHOOK_WORKER_URL: [['github', 'cloudflare', 'worker_url']],
  GOWINPROC_CLIENT_ID: [
    ['secrets', 'cloudflare', 'client_id'],
    ['tunnel', 'client_id'],
  ],
  GOWINPROC_LOG_LEVEL: [['log_level']],
};

export function applyEnvOverrides(root: Record<string, unknown>, env: Environment): Origin[] {
  const origins: Origin[] = [];
  for (const [name, paths] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    for (const path of paths) {
      setPath(root, path, value);
      origins.push({ canonical: path, source: path, envVar: name });
    }
  }
  return origins;
}
