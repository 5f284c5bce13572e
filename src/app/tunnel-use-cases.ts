/** The Cloudflare quick tunnel as the API, dashboard and tray see it (never its access token). */
import type { TunnelState, TunnelStatus } from '../services/tunnel/index.js';

export interface TunnelStatusSource {
  status(): TunnelStatus;
}

export interface TunnelView {
  enabled: boolean;
  state: TunnelState | 'disabled';
  /** The public https://*.trycloudflare.com URL while the tunnel is up. */
  url: string | null;
  /** The URL is registered with the auth worker (tunnel requests can use its access token). */
  registered: boolean;
  restarts: number;
  pid?: number;
  since?: number;
  next_attempt_at?: number;
  last_error?: string;
}

export class TunnelUseCases {
  constructor(private readonly source: TunnelStatusSource | undefined) {}

  status(): TunnelView {
    if (!this.source)
      return { enabled: false, state: 'disabled', url: null, registered: false, restarts: 0 };
    const s = this.source.status();
    return {
      enabled: true,
      state: s.state,
      url: s.url ?? null,
      registered: s.registered,
      restarts: s.restarts,
      since: s.since,
      ...(s.pid === undefined ? {} : { pid: s.pid }),
      ...(s.nextAttemptAt === undefined ? {} : { next_attempt_at: s.nextAttemptAt }),
      ...(s.lastError === undefined ? {} : { last_error: s.lastError }),
    };
  }

  /** The tunnel's part of GET /api/v1/health, when it is enabled. */
  healthComponent(): { status: string; detail?: string } | undefined {
    if (!this.source) return undefined;
    const s = this.source.status();
    const why = s.lastError ? `: ${s.lastError}` : '';
    if (s.state === 'connected') {
      // Unregistered while connected means no auth worker is configured: API keys still work.
      return {
        status: 'healthy',
        detail: `${s.url ?? ''}${s.registered ? '' : ' (not registered)'}`,
      };
    }
    if (s.state === 'registering') {
      return {
        status: 'degraded',
        detail: `the URL is not registered with the auth worker yet${why}`,
      };
    }
    return { status: 'degraded', detail: `cloudflared is ${s.state}${why}` };
  }
}
