/**
 * What cloudflared is told and what we read back from it: the quick-tunnel command line and the
 * public URL it prints in its banner (cloudflare.md §5).
 */
import { DaemonError } from '../../shared/index.js';

export type TunnelProtocol = 'http2' | 'quic';

// A host label right after the scheme, then trycloudflare.com, not followed by more host text
// (so `x.trycloudflare.com.evil.test` is not taken for a tunnel).
const TUNNEL_URL = /https:\/\/([a-zA-Z0-9-]+)\.trycloudflare\.com(?![a-zA-Z0-9-]|\.[a-zA-Z0-9])/g;

// cloudflared's own API host: it appears in error lines ("failed to request quick Tunnel: Post
// "https://api.trycloudflare.com/tunnel"") and is never a tunnel.
const NOT_TUNNELS = new Set(['api']);

/** The first quick-tunnel URL in `text`, or undefined. */
export function parseTunnelUrl(text: string): string | undefined {
  for (const match of text.matchAll(TUNNEL_URL)) {
    const label = match[1];
    if (label !== undefined && !NOT_TUNNELS.has(label.toLowerCase())) return match[0];
  }
  return undefined;
}

/** Where cloudflared reaches the daemon: `localhost` over HTTP unless the API says otherwise. */
export interface TunnelOrigin {
  /** The API serves HTTPS (server.tls): cloudflared connects with https, without verifying. */
  tls?: boolean | undefined;
  /** The API listens on one specific address rather than loopback or every address. */
  host?: string | undefined;
}

/** cloudflared's arguments for a quick tunnel to the daemon's HTTP port. */
export function tunnelArgs(
  port: number,
  protocol: TunnelProtocol,
  origin: TunnelOrigin = {},
): string[] {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DaemonError('invalid_argument', `tunnel.port must be 1-65535, got ${String(port)}`, {
      details: { port },
    });
  }
  if (protocol !== 'http2' && protocol !== 'quic') {
    throw new DaemonError(
      'invalid_argument',
      `tunnel.protocol must be http2 or quic, got ${String(protocol)}`,
      { details: { protocol } },
    );
  }
  const host = origin.host ?? 'localhost';
  const url = `${origin.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return [
    'tunnel',
    '--url',
    url,
    // The API's own certificate is self-signed or issued for other names than localhost.
    ...(origin.tls ? ['--no-tls-verify'] : []),
    '--protocol',
    protocol,
    '--no-autoupdate',
  ];
}
