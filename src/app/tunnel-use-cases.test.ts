import { describe, expect, it } from 'vitest';
import type { TunnelStatus } from '../services/tunnel/index.js';
import { TunnelUseCases } from './tunnel-use-cases.js';

const source = (status: TunnelStatus) => new TunnelUseCases({ status: () => status });

describe('the tunnel as the API shows it', () => {
  it('is disabled, with no health component, when no tunnel runs', () => {
    const tunnel = new TunnelUseCases(undefined);
    expect(tunnel.status()).toEqual({
      enabled: false,
      state: 'disabled',
      url: null,
      registered: false,
      restarts: 0,
    });
    expect(tunnel.healthComponent()).toBeUndefined();
  });

  it('shows a connected, registered tunnel as healthy', () => {
    const tunnel = source({
      state: 'connected',
      url: 'https://a-b.trycloudflare.com',
      pid: 7,
      restarts: 2,
      registered: true,
      since: 1000,
    });
    expect(tunnel.status()).toEqual({
      enabled: true,
      state: 'connected',
      url: 'https://a-b.trycloudflare.com',
      pid: 7,
      restarts: 2,
      registered: true,
      since: 1000,
    });
    expect(tunnel.healthComponent()).toEqual({
      status: 'healthy',
      detail: 'https://a-b.trycloudflare.com',
    });
  });

  it('shows a tunnel in back-off as degraded, with its next attempt and the reason', () => {
    const tunnel = source({
      state: 'backoff',
      restarts: 3,
      registered: false,
      since: 5,
      nextAttemptAt: 9000,
      lastError: 'cloudflared exited with code 1',
    });
    expect(tunnel.status()).toMatchObject({
      url: null,
      next_attempt_at: 9000,
      last_error: 'cloudflared exited with code 1',
    });
    expect(tunnel.healthComponent()).toEqual({
      status: 'degraded',
      detail: 'cloudflared is backoff: cloudflared exited with code 1',
    });
    expect(
      source({
        state: 'registering',
        url: 'https://x.trycloudflare.com',
        restarts: 0,
        registered: false,
        since: 0,
      }).healthComponent(),
    ).toEqual({
      status: 'degraded',
      detail: 'the URL is not registered with the auth worker yet',
    });
    // Without an auth worker the tunnel is up but never registered: API keys still work.
    expect(
      source({
        state: 'connected',
        url: 'https://x.trycloudflare.com',
        restarts: 0,
        registered: false,
        since: 0,
      }).healthComponent(),
    ).toEqual({ status: 'healthy', detail: 'https://x.trycloudflare.com (not registered)' });
  });
});
