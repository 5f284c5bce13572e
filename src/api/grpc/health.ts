/**
 * grpc.health.v1.Health for the native port, per the standard health checking protocol: the
 * empty service name is the server as a whole, every registered service answers the same
 * status, and an unknown name is NOT_FOUND for Check but SERVICE_UNKNOWN (no error) for Watch.
 *
 * The daemon's readiness is one boolean (`serving`); Watch polls it on the clock so no event
 * plumbing is needed, and only sends when the status actually changes.
 */
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListResponseSchema,
} from '../../gen/grpc/health/v1/health_pb.js';
import { systemClock, type Clock } from '../../shared/index.js';

/** The services the daemon serves on its native gRPC port. */
export const DAEMON_SERVICE_NAMES: readonly string[] = [
  'proto.ProcessManager',
  'tunnel.TunnelService',
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
];

/** How often Watch re-reads `serving()`. */
export const HEALTH_WATCH_POLL_MS = 1000;

/**
 * Registers grpc.health.v1.Health. `serving()` is the daemon's readiness (false while starting
 * up or shutting down); `services` are the names Check/Watch/List know besides "".
 */
export function registerHealth(
  router: ConnectRouter,
  serving: () => boolean,
  services: readonly string[] = DAEMON_SERVICE_NAMES,
  clock: Clock = systemClock,
): void {
  const known = new Set(['', ...services]);
  const current = (): ServingStatus =>
    serving() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  const statusOf = (service: string): ServingStatus =>
    known.has(service) ? current() : ServingStatus.SERVICE_UNKNOWN;

  router.service(Health, {
    check(request) {
      if (!known.has(request.service)) {
        throw new ConnectError(`unknown service ${JSON.stringify(request.service)}`, Code.NotFound);
      }
      return create(HealthCheckResponseSchema, { status: current() });
    },
    list() {
      const status = current();
      const statuses = Object.fromEntries([...known].map((name) => [name, { status }]));
      return create(HealthListResponseSchema, { statuses });
    },
    async *watch(request, context) {
      let sent: ServingStatus | undefined;
      while (!context.signal.aborted) {
        const status = statusOf(request.service);
        if (status !== sent) {
          yield create(HealthCheckResponseSchema, { status });
          sent = status;
        }
        await pause(clock, HEALTH_WATCH_POLL_MS, context.signal);
      }
    },
  });
}

/** Resolves after ms on the clock, or as soon as the signal aborts (the client went away). */
function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
