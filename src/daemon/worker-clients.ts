/**
 * The auth-worker clients the daemon's services share. Keys are loaded here, at start-up, so a
 * missing or unreadable key stops the daemon with the file's name. `config check` has already
 * made sure that a configured worker comes with a key (finalize.ts).
 */
import type { Config } from '../config/index.js';
import { AuthWorkerClient, loadPrivateKey } from '../services/cloudflare/index.js';
import type { Clock } from '../shared/index.js';

/** The client for secrets: whenever secrets.cloudflare names a worker and a key. */
export async function secretsWorkerClient(
  config: Config,
  clock: Clock,
): Promise<AuthWorkerClient | undefined> {
  const cf = config.secrets.cloudflare;
  if (cf.worker_url === undefined || cf.private_key_path === undefined) return undefined;
  return new AuthWorkerClient({
    workerUrl: cf.worker_url,
    clientId: cf.client_id,
    privateKey: await loadPrivateKey(cf.private_key_path),
    retryMax: cf.retry_max,
    retryBackoffMs: cf.retry_backoff,
    clock,
  });
}

/** The tunnel registers with tunnel.* when set, else with the secrets worker's settings. */
export async function tunnelWorkerClient(
  config: Config,
  clock: Clock,
): Promise<AuthWorkerClient | undefined> {
  const cf = config.secrets.cloudflare;
  const workerUrl = config.tunnel.worker_url ?? cf.worker_url;
  const keyPath = config.tunnel.private_key_path ?? cf.private_key_path;
  if (workerUrl === undefined || keyPath === undefined) return undefined;
  return new AuthWorkerClient({
    workerUrl,
    clientId: config.tunnel.client_id ?? cf.client_id,
    privateKey: await loadPrivateKey(keyPath),
    retryMax: cf.retry_max,
    retryBackoffMs: cf.retry_backoff,
    clock,
  });
}
