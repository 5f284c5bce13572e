/**
 * Where the CLI finds the daemon: --url, else --host/--port, else GOWINPROC_URL, else the
 * server section of --config (or ./config.yaml when present), else http://127.0.0.1:8080.
 */
import { existsSync } from 'node:fs';
import { loadConfigFile } from '../config/index.js';
import { apiUrl } from '../shared/index.js';

export interface TargetOptions {
  url?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  config?: string | undefined;
  apiKey?: string | undefined;
}

export interface Target {
  baseUrl: string;
  apiKey: string | undefined;
}

export async function resolveTarget(
  options: TargetOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Target> {
  const apiKey = options.apiKey ?? env['GOWINPROC_API_KEY'];
  if (options.url) return { baseUrl: options.url, apiKey };
  let host = options.host;
  let port = options.port;
  let scheme: 'http' | 'https' = 'http';
  if (!host || !port) {
    if (!options.host && !options.port && env['GOWINPROC_URL'])
      return { baseUrl: env['GOWINPROC_URL'], apiKey };
    const file = options.config ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
    if (file) {
      const config = await loadConfigFile(file, { env });
      host ??= config.server.host;
      port ??= String(config.server.port);
      if (config.server.tls) scheme = 'https';
    }
  }
  return { baseUrl: apiUrl(scheme, host ?? '127.0.0.1', port ?? '8080'), apiKey };
}
