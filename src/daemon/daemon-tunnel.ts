/**
 * The cloudflared quick tunnel as the daemon runs it: a status (and token) source that exists
 * from the start, a runner created once the API listens, the leftover of a crashed daemon
 * stopped first, and the running cloudflared recorded for the next daemon.
 */
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { ServiceEventBody } from '../core/index.js';
import type { AuthWorkerClient } from '../services/cloudflare/index.js';
import {
  findCloudflared,
  forgetTunnelProcess,
  recordTunnelProcess,
  signalCloudflared,
  stopLeftoverTunnel,
  TunnelRunner,
  type IdentifyProcess,
  type TunnelEvent,
  type TunnelStatus,
} from '../services/tunnel/index.js';
import { isLoopbackHost, type Clock, type Platform } from '../shared/index.js';

export interface DaemonTunnelOptions {
  config: Config;
  clock: Clock;
  platform: Platform;
  env: Readonly<Record<string, string | undefined>>;
  identify: IdentifyProcess;
  client: AuthWorkerClient | undefined;
  report: (body: ServiceEventBody) => void;
}

export class DaemonTunnel {
  private runner: TunnelRunner | undefined;
  private stopped = false;
  private readonly createdAt: number;
  /** Where the running cloudflared is recorded, for the next daemon if this one crashes. */
  private readonly record: string;

  constructor(private readonly options: DaemonTunnelOptions) {
    this.createdAt = options.clock.now();
    this.record = join(options.config.paths.data, 'cloudflared.json');
  }

  status(): TunnelStatus {
    if (this.runner) return this.runner.status();
    return {
      state: this.stopped ? 'stopped' : 'starting',
      restarts: 0,
      registered: false,
      since: this.createdAt,
    };
  }

  accessToken(): string | undefined {
    return this.runner?.accessToken();
  }

  url(): string | undefined {
    return this.runner?.url();
  }

  /** Starts cloudflared towards the API's port (unless stop() came first). */
  async start(apiPort: number): Promise<void> {
    const { config, report } = this.options;
    if (!config.tunnel.require_auth) {
      report({
        type: 'daemon.warning',
        message:
          'tunnel.require_auth: false is ignored: requests through the tunnel always need the tunnel access token or an API key',
      });
    }
    if (!this.options.client) {
      report({
        type: 'daemon.warning',
        message:
          'the tunnel has no auth worker (tunnel.worker_url or secrets.cloudflare.worker_url): its URL is not registered, and requests through it need an API key',
      });
    }
    const leftover = await stopLeftoverTunnel({
      file: this.record,
      identify: this.options.identify,
      kill: (pid) => signalCloudflared(pid, 'SIGTERM', this.options.platform),
    });
    if (leftover !== undefined) {
      report({
        type: 'daemon.warning',
        message: `stopped cloudflared ${leftover}, left running by a daemon that did not exit cleanly`,
      });
    }
    const binary =
      (await findCloudflared({ platform: this.options.platform, env: this.options.env })) ??
      'cloudflared';
    if (this.stopped) return; // the daemon began to stop while we looked
    const client = this.options.client;
    const runner = new TunnelRunner({
      binary,
      port: config.tunnel.port ?? apiPort,
      protocol: config.tunnel.protocol,
      origin: {
        tls: config.server.tls !== undefined,
        host: originHost(config.server.host),
      },
      clock: this.options.clock,
      register: client
        ? async (url) => {
            const { accessToken } = await client.login({ tunnelUrl: url });
            await client.registerTunnel(url, accessToken);
            return { accessToken };
          }
        : undefined,
      onEvent: (event) => {
        if (event.type === 'tunnel.started') {
          void recordTunnelProcess(this.record, event.pid, this.options.identify).catch(
            () => undefined,
          );
        }
        report(tunnelStateEvent(event, runner.status().state));
      },
    });
    this.runner = runner;
    runner.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.runner) return;
    await this.runner.stop();
    await forgetTunnelProcess(this.record);
  }
}

/** The API's address as cloudflared reaches it: localhost unless it listens on one address only. */
function originHost(host: string): string | undefined {
  return isLoopbackHost(host) || host === '0.0.0.0' || host === '::' ? undefined : host;
}

function tunnelStateEvent(event: TunnelEvent, state: string): ServiceEventBody {
  const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;
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
        message: `cannot start cloudflared: ${event.message}; retrying in ${seconds(event.restartInMs)}`,
      };
    case 'tunnel.exited':
      return {
        type: 'tunnel.state',
        state,
        message: `cloudflared exited (${event.signal ?? `code ${event.code}`}); its URL is forgotten; restarting in ${seconds(event.restartInMs)}`,
      };
    case 'tunnel.stopped':
      return { type: 'tunnel.state', state, message: 'cloudflared stopped' };
  }
}
