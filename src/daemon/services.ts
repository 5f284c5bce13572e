/**
 * Builds the services that plug into the supervisor (ARCHITECTURE.md: services): secrets,
 * certificates and the Cloudflare tunnel, with the auth-worker clients they share. Keys are
 * loaded here, before anything starts, so a missing or unreadable key stops the daemon with a
 * message that names the file instead of failing every instance start later.
 */
import { join } from 'node:path';
import type { TunnelToken } from '../api/auth/index.js';
import type { TunnelStatusSource } from '../app/index.js';
import type { Config } from '../config/index.js';
import type { LifecycleHook, ServiceEventBody, Supervisor } from '../core/index.js';
import { CertRenewer, createCertificatesHook } from '../services/certs/index.js';
import { AuthWorkerClient, loadPrivateKey } from '../services/cloudflare/index.js';
import { SecretsService, secretsHook } from '../services/secrets/index.js';
import {
  findCloudflared,
  forgetTunnelProcess,
  recordTunnelProcess,
  stopLeftoverTunnel,
  tunnelHook,
  TunnelRunner,
  type IdentifyProcess,
  type TunnelEvent,
} from '../services/tunnel/index.js';
import { DaemonError, isWindows, type Clock, type Platform } from '../shared/index.js';

export interface ServicesOptions {
  config: Config;
  clock: Clock;
  platform: Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** The OS identity of a pid (the process driver's), to recognise a leftover cloudflared. */
  identify: IdentifyProcess;
}

export interface Services {
  hooks: LifecycleHook[];
  secrets: SecretsService;
  /** The tunnel, when enabled: its status for the API and its token for the auth policy. */
  tunnel: (TunnelStatusSource & TunnelToken & { url(): string | undefined }) | undefined;
  /** Starts what runs beside the supervisor (renewal, tunnel) once the API listens. */
  start(supervisor: Supervisor, apiPort: number): Promise<void>;
  stop(): Promise<void>;
}

export async function buildServices(options: ServicesOptions): Promise<Services> {
  const { config, clock } = options;
  let supervisor: Supervisor | undefined;
  const report = (name: string, body: ServiceEventBody): void =>
    void supervisor?.report(name, body);

  const secretsClient = await secretsWorkerClient(config, clock);
  const secrets = new SecretsService({
    config: () => supervisor?.currentConfig() ?? config,
    clock,
    fetchSecrets: secretsClient ? async () => (await secretsClient.login()).secretData : undefined,
  });

  const certSettings = () => (supervisor?.currentConfig() ?? config).certificates;
  const hooks: LifecycleHook[] = [
    secretsHook(secrets),
    createCertificatesHook({ dir: config.paths.certs, settings: certSettings, clock, report }),
  ];

  const tunnelClient = config.tunnel.enabled ? await tunnelWorkerClient(config, clock) : undefined;
  // The runner starts once the API listens (server.port may be 0); until then it reads as starting.
  let runner: TunnelRunner | undefined;
  const createdAt = clock.now();
  const tunnel = config.tunnel.enabled
    ? {
        status: () =>
          runner?.status() ?? {
            state: 'starting' as const,
            restarts: 0,
            registered: false,
            since: createdAt,
          },
        accessToken: () => runner?.accessToken(),
        url: () => runner?.url(),
      }
    : undefined;
  if (tunnel) hooks.push(tunnelHook(tunnel));

  /** Where the running cloudflared is recorded, for the next daemon if this one crashes. */
  const tunnelRecord = join(config.paths.data, 'cloudflared.json');
  let renewer: CertRenewer | undefined;
  return {
    hooks,
    secrets,
    tunnel,
    async start(started, apiPort) {
      supervisor = started;
      if (config.tunnel.enabled && !config.tunnel.require_auth) {
        report('', {
          type: 'daemon.warning',
          message:
            'tunnel.require_auth: false is ignored: requests through the tunnel always need the tunnel access token or an API key',
        });
      }
      if (config.tunnel.enabled && !tunnelClient) {
        report('', {
          type: 'daemon.warning',
          message:
            'the tunnel has no auth worker (tunnel.worker_url or secrets.cloudflare.worker_url): its URL is not registered, and requests through it need an API key',
        });
      }
      await secrets.prepare(started.currentConfig().processes, (name, message) =>
        report(name, { type: 'process.warning', message }),
      );
      renewer = new CertRenewer({
        clock,
        dir: config.paths.certs,
        settings: certSettings,
        processes: () => started.currentConfig().processes,
        onRenewed: async (name, notAfter) => {
          report(name, {
            type: 'process.certificate',
            action: 'renewed',
            file: `${config.paths.certs}/${name}.crt`,
            notAfter,
            message: `certificate of ${name} renewed; restarting its instances (zero downtime) to load it`,
          });
          await started.program(name).restart();
        },
        onError: (name, error) =>
          report(name, {
            type: 'process.warning',
            message: `certificate renewal failed: ${error.message}`,
          }),
      });
      renewer.start();
      if (config.tunnel.enabled) {
        const leftover = await stopLeftoverTunnel({
          file: tunnelRecord,
          identify: options.identify,
          kill: (pid) => killGroup(pid, options.platform),
        });
        if (leftover !== undefined) {
          report('', {
            type: 'daemon.warning',
            message: `stopped cloudflared ${leftover}, left running by a daemon that did not exit cleanly`,
          });
        }
        const binary =
          (await findCloudflared({ platform: options.platform, env: options.env })) ??
          'cloudflared';
        runner = new TunnelRunner({
          binary,
          port: config.tunnel.port ?? apiPort,
          protocol: config.tunnel.protocol,
          clock,
          register: tunnelClient
            ? async (url) => {
                const { accessToken } = await tunnelClient.login({ tunnelUrl: url });
                await tunnelClient.registerTunnel(url, accessToken);
                return { accessToken };
              }
            : undefined,
          onEvent: (event) => {
            if (event.type === 'tunnel.started') {
              void recordTunnelProcess(tunnelRecord, event.pid, options.identify).catch(() => {});
            }
            report('', tunnelStateEvent(event, runner));
          },
        });
      }
      runner?.start();
    },
    async stop() {
      renewer?.stop();
      await runner?.stop();
      if (runner) await forgetTunnelProcess(tunnelRecord);
    },
  };
}

/** cloudflared runs in its own process group on POSIX (see spawnCloudflared). */
function killGroup(pid: number, platform: Platform): void {
  try {
    process.kill(isWindows(platform) ? pid : -pid, 'SIGTERM');
  } catch {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** The auth-worker client for secrets, when some process takes its secrets from Cloudflare. */
async function secretsWorkerClient(
  config: Config,
  clock: Clock,
): Promise<AuthWorkerClient | undefined> {
  const cf = config.secrets.cloudflare;
  const used = config.processes.some((p) => p.secrets.enabled && p.secrets.source === 'cloudflare');
  if (!used || cf.worker_url === undefined || cf.private_key_path === undefined) return undefined;
  const privateKey = await loadPrivateKey(cf.private_key_path);
  return new AuthWorkerClient({
    workerUrl: cf.worker_url,
    clientId: cf.client_id,
    privateKey,
    retryMax: cf.retry_max,
    retryBackoffMs: cf.retry_backoff,
    clock,
  });
}

/** The tunnel registers with tunnel.* when set, else with the secrets worker's settings. */
async function tunnelWorkerClient(
  config: Config,
  clock: Clock,
): Promise<AuthWorkerClient | undefined> {
  const cf = config.secrets.cloudflare;
  const workerUrl = config.tunnel.worker_url ?? cf.worker_url;
  if (workerUrl === undefined) return undefined;
  const keyPath = config.tunnel.private_key_path ?? cf.private_key_path;
  if (keyPath === undefined) {
    throw new DaemonError(
      'config_invalid',
      `${config.source}: tunnel.private_key_path: the tunnel registers its URL with ${workerUrl} and needs this client's private key (make one with \`gowinproc keygen\`)`,
    );
  }
  return new AuthWorkerClient({
    workerUrl,
    clientId: config.tunnel.client_id ?? cf.client_id,
    privateKey: await loadPrivateKey(keyPath),
    retryMax: cf.retry_max,
    retryBackoffMs: cf.retry_backoff,
    clock,
  });
}

function tunnelStateEvent(event: TunnelEvent, runner: TunnelRunner | undefined): ServiceEventBody {
  const state = runner?.status().state ?? 'starting';
  switch (event.type) {
    case 'tunnel.started':
      return { type: 'tunnel.state', state, message: `cloudflared started (pid ${event.pid})` };
    case 'tunnel.url':
      return { type: 'tunnel.state', state, url: event.url, message: 'tunnel URL received' };
    case 'tunnel.registered':
      return {
        type: 'tunnel.state',
        state,
        url: event.url,
        message: 'tunnel URL registered with the auth worker',
      };
    case 'tunnel.registration_failed':
      return { type: 'tunnel.state', state, message: `registration failed: ${event.message}` };
    case 'tunnel.spawn_failed':
      return {
        type: 'tunnel.state',
        state,
        message: `cannot start cloudflared: ${event.message}; retrying in ${Math.round(event.restartInMs / 1000)}s`,
      };
    case 'tunnel.exited':
      return {
        type: 'tunnel.state',
        state,
        message: `cloudflared exited (${event.signal ?? `code ${event.code}`}); its URL is forgotten; restarting in ${Math.round(event.restartInMs / 1000)}s`,
      };
    case 'tunnel.stopped':
      return { type: 'tunnel.state', state, message: 'cloudflared stopped' };
  }
}
