/**
 * What the route and backend stats say about a call the proxy retried on another backend.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { BackendPool } from './backend-pool.js';
import { BalancerRouter } from './balancer-router.js';
import { GrpcProxy } from './proxy/grpc-proxy.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('stats of a retried call', () => {
  it('a call the client saw succeed counts once, as OK, on its route', async () => {
    const good = http2.createServer();
    good.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.on('data', () => {});
      stream.on('end', () =>
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' },
          { endStream: true },
        ),
      );
    });
    await new Promise<void>((resolve) => good.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void good.close());
    const pool = new BackendPool({ now: () => Date.now(), setTimeout: () => () => {} });
    // index 0 refuses connections; primary sends there first, then retries on index 1.
    pool.setReady(
      { id: 'p-0', process: 'p', index: 0, host: '127.0.0.1', port: await freePort() },
      true,
    );
    pool.setReady(
      {
        id: 'p-1',
        process: 'p',
        index: 1,
        host: '127.0.0.1',
        port: (good.address() as net.AddressInfo).port,
      },
      true,
    );
    const router = new BalancerRouter(
      {
        name: 'lb',
        listen_port: 0,
        protocol: 'grpc',
        drain_timeout: 1000,
        routes: [{ methods: ['.*'], target_processes: ['p'], strategy: 'primary' }],
      },
      pool,
      () => Date.now(),
    );
    const proxy = new GrpcProxy({ host: '127.0.0.1', port: 0, router });
    const port = await proxy.listen();
    onTestFinished(() => proxy.close());
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    onTestFinished(() => void session.destroy());
    const status = await new Promise<string>((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/a.B/C',
        'content-type': 'application/grpc',
      });
      stream.on('response', (headers) => resolve(String(headers['grpc-status'])));
      stream.end(Buffer.alloc(5));
    });
    expect(status).toBe('0');
    await waitFor(() => router.views()[0]!.stats.inFlight === 0 || 'call in flight');
    const stats = router.views()[0]!.stats;
    expect(stats.byStatus).toEqual({ OK: 1 });
    expect(stats.requests).toBe(1);
  });
});
