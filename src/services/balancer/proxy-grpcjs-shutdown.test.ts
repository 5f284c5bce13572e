/**
 * Between real grpc-js clients and servers, the proxy leaves nothing open on a backend that
 * answered early, so the backend's graceful shutdown completes.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { GrpcProxy } from './proxy/grpc-proxy.js';
import type { BackendAddress, CallOutcome, RouteChoice, StreamRouter } from './types.js';

const ECHO = '/fixture.echo.Echo';
const same = (value: Buffer) => value;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `${ECHO}/${name}`,
  requestStream,
  responseStream,
  requestSerialize: same,
  requestDeserialize: same,
  responseSerialize: same,
  responseDeserialize: same,
});

class OneBackendRouter implements StreamRouter {
  readonly outcomes: CallOutcome[] = [];
  constructor(private readonly backend: BackendAddress) {}
  route(_path: string, exclude: ReadonlySet<string>): RouteChoice {
    if (exclude.has(this.backend.id)) return { kind: 'no_backend', message: 'none left' };
    return {
      kind: 'backend',
      lease: { backend: this.backend, finish: (outcome) => this.outcomes.push(outcome) },
    };
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('proxy with grpc-js peers', () => {
  it('a backend that rejected a client stream early can still shut down gracefully', async () => {
    const server = new grpc.Server();
    server.addService(
      { ClientStream: method('ClientStream', true, false) },
      {
        ClientStream(
          _call: grpc.ServerReadableStream<Buffer, Buffer>,
          callback: grpc.sendUnaryData<Buffer>,
        ) {
          // Rejects before reading: a common auth / validation pattern.
          callback({ code: grpc.status.INVALID_ARGUMENT, details: 'rejected early' });
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    onTestFinished(() => server.forceShutdown());
    const router = new OneBackendRouter({ id: 'b1', host: '127.0.0.1', port });
    const proxy = new GrpcProxy({ host: '127.0.0.1', port: 0, router });
    const proxyPort = await proxy.listen();
    const client = new grpc.Client(`127.0.0.1:${proxyPort}`, grpc.credentials.createInsecure());
    cleanups.push(
      () => proxy.close(),
      () => client.close(),
    );

    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = client.makeClientStreamRequest(`${ECHO}/ClientStream`, same, same, () => {});
      call.on('status', resolve);
      call.write(Buffer.from('one'));
    });
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    await waitFor(() => router.outcomes.length === 1 || 'lease open');

    // SIGTERM in the echo fixture: tryShutdown waits for every stream on the proxy's session.
    let shutDown = false;
    server.tryShutdown(() => (shutDown = true));
    await waitFor(() => shutDown || 'backend tryShutdown still waiting for a stream', {
      timeoutMs: 5000,
    });
  });
});
