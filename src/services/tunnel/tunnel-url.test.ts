import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../shared/index.js';
import { parseTunnelUrl, tunnelArgs } from './tunnel-url.js';

// Lines as cloudflared 2024.x prints them for a quick tunnel.
const BANNER = [
  '2024-05-01T10:00:01Z INF +--------------------------------------------------------------------------------------------+',
  '2024-05-01T10:00:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |',
  '2024-05-01T10:00:01Z INF |  https://pmid-ranger-crafts-dsl.trycloudflare.com                                          |',
  '2024-05-01T10:00:01Z INF +--------------------------------------------------------------------------------------------+',
];

describe('parseTunnelUrl', () => {
  it('finds the URL in the banner line', () => {
    expect(parseTunnelUrl(BANNER[2]!)).toBe('https://pmid-ranger-crafts-dsl.trycloudflare.com');
  });

  it('finds nothing in the other banner lines', () => {
    for (const line of [BANNER[0]!, BANNER[1]!, BANNER[3]!]) {
      expect(parseTunnelUrl(line)).toBeUndefined();
    }
  });

  it('finds the URL in the whole banner text', () => {
    expect(parseTunnelUrl(BANNER.join('\n'))).toBe(
      'https://pmid-ranger-crafts-dsl.trycloudflare.com',
    );
  });

  it('ignores cloudflared API host in error lines', () => {
    const line =
      '2024-05-01T10:00:00Z ERR failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp: lookup api.trycloudflare.com: no such host';
    expect(parseTunnelUrl(line)).toBeUndefined();
    expect(parseTunnelUrl('https://API.trycloudflare.com')).toBeUndefined();
  });

  it('skips the API host and takes a tunnel URL after it', () => {
    expect(
      parseTunnelUrl(
        'Post "https://api.trycloudflare.com/tunnel" then https://a-b.trycloudflare.com',
      ),
    ).toBe('https://a-b.trycloudflare.com');
  });

  it('returns the first of several URLs', () => {
    expect(
      parseTunnelUrl(
        'https://first-one.trycloudflare.com and https://second-one.trycloudflare.com',
      ),
    ).toBe('https://first-one.trycloudflare.com');
  });

  it('finds nothing without a trycloudflare URL', () => {
    expect(parseTunnelUrl('')).toBeUndefined();
    expect(
      parseTunnelUrl('INF Requesting new quick Tunnel on trycloudflare.com...'),
    ).toBeUndefined();
    expect(parseTunnelUrl('http://plain-http.trycloudflare.com')).toBeUndefined();
    expect(parseTunnelUrl('https://example.com')).toBeUndefined();
  });

  it('does not take a longer host that merely starts like a tunnel', () => {
    expect(parseTunnelUrl('https://x.trycloudflare.com.evil.test/')).toBeUndefined();
    expect(parseTunnelUrl('https://x.trycloudflare.community')).toBeUndefined();
  });

  it('stops at punctuation after the host', () => {
    expect(parseTunnelUrl('visit https://abc-def.trycloudflare.com.')).toBe(
      'https://abc-def.trycloudflare.com',
    );
    expect(parseTunnelUrl('"https://abc-def.trycloudflare.com/path"')).toBe(
      'https://abc-def.trycloudflare.com',
    );
  });
});

describe('tunnelArgs', () => {
  it('builds the quick-tunnel command line', () => {
    expect(tunnelArgs(8080, 'http2')).toEqual([
      'tunnel',
      '--url',
      'http://localhost:8080',
      '--protocol',
      'http2',
      '--no-autoupdate',
    ]);
    expect(tunnelArgs(8443, 'http2', { tls: true })).toEqual([
      'tunnel',
      '--url',
      'https://localhost:8443',
      '--no-tls-verify',
      '--protocol',
      'http2',
      '--no-autoupdate',
    ]);
    expect(tunnelArgs(8080, 'http2', { host: '10.0.0.5' })[2]).toBe('http://10.0.0.5:8080');
    expect(tunnelArgs(8080, 'http2', { host: 'fd00::5' })[2]).toBe('http://[fd00::5]:8080');
    expect(tunnelArgs(443, 'quic')).toEqual([
      'tunnel',
      '--url',
      'http://localhost:443',
      '--protocol',
      'quic',
      '--no-autoupdate',
    ]);
  });

  it('rejects a port outside 1-65535 naming the option', () => {
    for (const port of [0, 65536, 1.5, Number.NaN]) {
      expect(() => tunnelArgs(port, 'http2')).toThrow(DaemonError);
    }
    expect(() => tunnelArgs(0, 'http2')).toThrow(/tunnel\.port must be 1-65535, got 0/);
  });

  it('rejects an unknown protocol', () => {
    expect(() => tunnelArgs(80, 'auto' as 'http2')).toThrow(/tunnel\.protocol .* got auto/);
  });
});
