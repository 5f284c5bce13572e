import { isIP } from 'node:net';

/** True for 127.0.0.0/8, ::1, localhost and IPv4-mapped loopback addresses. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The URL a client uses for an API listening on host:port (a wildcard address is reached on loopback). */
export function apiUrl(scheme: 'http' | 'https', host: string, port: number | string): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
