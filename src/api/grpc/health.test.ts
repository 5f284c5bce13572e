import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.js';
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '../../gen/grpc/health/v1/health_pb.js';
import { FakeClock } from '../../shared/index.js';
import { DAEMON_SERVICE_NAMES, HEALTH_WATCH_POLL_MS, registerHealth } from './health.js';

function healthClient(serving: () => boolean, clock = new FakeClock()) {
  const transport = createRouterTransport((router) =>
    registerHealth(router, serving, DAEMON_SERVICE_NAMES, clock),
  );
  return createClient(Health, transport);
}

describe('grpc.health.v1.Health', () => {
  it('Check answers the server ("") and each registered service with the serving flag', async () => {
    let serving = true;
    const client = healthClient(() => serving);
    expect((await client.check({ service: '' })).status).toBe(ServingStatus.SERVING);
    expect((await client.check({ service: 'proto.ProcessManager' })).status).toBe(
      ServingStatus.SERVING,
    );
    serving = false;
    expect((await client.check({ service: 'tunnel.TunnelService' })).status).toBe(
      ServingStatus.NOT_SERVING,
    );
    expect((await client.check({ service: '' })).status).toBe(ServingStatus.NOT_SERVING);
  });

  it('Check of an unknown service is NOT_FOUND', async () => {
    const client = healthClient(() => true);
    const error = await client.check({ service: 'no.Such' }).catch((e: unknown) => e);
    expect(ConnectError.from(error).code).toBe(Code.NotFound);
  });

  it('the default service list is the daemon services', async () => {
    const transport = createRouterTransport((router) => registerHealth(router, () => true));
    const client = createClient(Health, transport);
    for (const service of DAEMON_SERVICE_NAMES) {
      expect((await client.check({ service })).status).toBe(ServingStatus.SERVING);
    }
  });

  it('List maps every known service (and "") to its status', async () => {
    const client = healthClient(() => false);
    const { statuses } = await client.list({});
    expect(Object.keys(statuses).sort()).toEqual(['', ...DAEMON_SERVICE_NAMES].sort());
    for (const response of Object.values(statuses)) {
      expect(response.status).toBe(ServingStatus.NOT_SERVING);
    }
  });

  it('Watch sends the current status, then each change, and ends when the client cancels', async () => {
    let serving = true;
    const clock = new FakeClock();
    const client = healthClient(() => serving, clock);
    const abort = new AbortController();
    const responses = client.watch({ service: 'proto.ProcessManager' }, { signal: abort.signal });
    const stream = responses[Symbol.asyncIterator]();

    expect((await stream.next()).value?.status).toBe(ServingStatus.SERVING);
    const changed = stream.next();
    const polling = () => clock.pendingTimers > 0 || 'watch is not polling';
    await waitFor(polling);
    // A poll that finds the status unchanged sends nothing.
    await clock.advance(HEALTH_WATCH_POLL_MS);
    await waitFor(polling);
    serving = false;
    await clock.advance(HEALTH_WATCH_POLL_MS);
    expect((await changed).value?.status).toBe(ServingStatus.NOT_SERVING);

    const next = stream.next();
    await waitFor(polling);
    abort.abort();
    const end = await next.catch((e: unknown) => ConnectError.from(e));
    expect(end instanceof ConnectError ? end.code : end).toEqual(Code.Canceled);
    await waitFor(() => clock.pendingTimers === 0 || `${clock.pendingTimers} poll timers left`);
  });

  it('Watch of an unknown service answers SERVICE_UNKNOWN instead of failing', async () => {
    const client = healthClient(() => true);
    const abort = new AbortController();
    const stream = client.watch({ service: 'no.Such' }, { signal: abort.signal });
    for await (const response of stream) {
      expect(response.status).toBe(ServingStatus.SERVICE_UNKNOWN);
      break;
    }
    abort.abort();
  });
});
