/**
 * TCP helpers: a connect probe, waiting for ports to accept, a pool of free local ports; and a
 * plain HTTP GET.
 */
import { get } from 'node:http';
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { sleep } from './log.mjs';

/** True when 127.0.0.1:port accepts a connection within timeoutMs. */
export function tcpProbe(port, timeoutMs = 250) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Probes every port still down, all at once, every `intervalMs` until each has accepted once.
 * Resolves with performance.now() of the round in which the last one accepted. Gives up when
 * `abort.failed` is set (to that error) or after `timeoutMs`.
 */
export async function waitPortsUp(ports, { intervalMs = 5, timeoutMs = 60_000, abort } = {}) {
  const deadline = performance.now() + timeoutMs;
  let down = [...ports];
  for (;;) {
    if (abort?.failed) throw abort.failed;
    const results = await Promise.all(down.map((port) => tcpProbe(port)));
    const at = performance.now();
    down = down.filter((_, i) => !results[i]);
    if (down.length === 0) return at;
    if (at > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms: ${down.length} of ${ports.length} port(s) never accepted (e.g. ${down.slice(0, 5).join(', ')})`,
      );
    await sleep(intervalMs);
  }
}

/** True when nothing listens on the port (we can bind it on all addresses). */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/**
 * Hands out blocks of consecutive free ports below the kernel's ephemeral range, starting at a
 * random base so that two runs (or a stale one) do not collide.
 */
export class PortPool {
  constructor({ low = 20_000, high = 32_000 } = {}) {
    this.high = high;
    this.next = low + Math.floor(Math.random() * ((high - low) / 2));
  }

  /** The next block of `count` consecutive ports that are all free. */
  async take(count) {
    let start = this.next;
    for (;;) {
      if (start + count > this.high) throw new Error('no block of free ports left below 32000');
      const checks = await Promise.all(
        Array.from({ length: count }, (_, i) => portIsFree(start + i)),
      );
      const busy = checks.lastIndexOf(false);
      if (busy === -1) {
        this.next = start + count;
        return Array.from({ length: count }, (_, i) => start + i);
      }
      start += busy + 1;
    }
  }
}

/**
 * GET over plain HTTP; resolves { status, body, ms } (any status), rejects on a network error or
 * after `timeoutMs`.
 */
export function httpGet(url, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = get(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode, body, ms: performance.now() - started }),
      );
      response.on('error', reject);
    });
    request.setTimeout(timeoutMs, () =>
      request.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)),
    );
    request.on('error', reject);
  });
}
