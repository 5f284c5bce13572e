/**
 * GET /api/v1/events: the supervisor's events as server-sent events, for dashboards and
 * scripts. Each event is sent as `event: <type>`, `id: <seq>`, `data: <the event as
 * JSON>`; a comment line every 15 s keeps proxies from closing an idle stream.
 */
import { z } from 'zod';
import type { App, ProcessDetail } from '../../../app/index.js';
import { systemClock, type Clock } from '../../../shared/index.js';
import { route, sse, type SseEvent } from '../route.js';
import { balancersFrameSchema } from './balancer-schemas.js';
import { metricsFrameSchema } from './metrics-schemas.js';

type SupervisorEventView = ProcessDetail['events'][number];

/** Every event type the supervisor publishes (checked against the app's type below). */
export const EVENT_TYPES = [
  'instance.state',
  'instance.health',
  'instance.error',
  'instance.adopted',
  'instance.secrets',
  'instance.warning',
  'instance.memory_limit',
  'hook.failed',
  'process.certificate',
  'process.warning',
  'process.scaled',
  'process.restart',
  'process.config',
  'process.autoscale',
  'process.update',
  'process.update_check',
  'balancer.backend',
  'tunnel.state',
  'daemon.warning',
] as const satisfies readonly SupervisorEventView['type'][];

// A type the supervisor gains but this list lacks fails the build here, not silently in the docs.
type UnlistedEventType = Exclude<SupervisorEventView['type'], (typeof EVENT_TYPES)[number]>;
const _everyTypeListed: [UnlistedEventType] extends [never] ? true : UnlistedEventType = true;

export const supervisorEventSchema = z
  .object({
    seq: z.number().int().meta({ description: 'Increases by one per event within a daemon run' }),
    at: z.number().int().meta({ description: 'Unix milliseconds' }),
    process: z.string().meta({ description: "The process's name; empty for the daemon's own" }),
    type: z.enum(EVENT_TYPES),
    instance: z.string().optional().meta({ description: 'The instance id (instance events)' }),
    index: z.number().int().optional().meta({ description: 'The instance index' }),
  })
  .loose()
  .meta({ description: 'One supervisor event; each type adds its own fields (never secrets)' });

export const droppedEventSchema = z.object({ count: z.number().int().min(1) }).meta({
  description: 'How many of the oldest events were dropped because the client read slowly',
});

export const eventsQuery = z
  .object({
    process: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: "Only this process's events (404 when no such process)" }),
    metrics: z.enum(['0', '1', 'true', 'false']).optional().meta({
      description:
        "metrics=1 adds a `metrics` event at every sample (metrics.interval): the instances (of `process` when given), the host and the daemon, for live charts; and, when load balancers are configured, a `balancers` event with each balancer's routes and backends and their call stats (those routing to `process` when given). A slow reader gets only the latest of each.",
    }),
  })
  .strict();

export interface EventStreamOptions {
  clock?: Clock;
  /** How often a comment line is sent (default 15 s). */
  heartbeatMs?: number;
  /** Events kept for a slow reader; beyond this the oldest are dropped (default 1000). */
  maxQueued?: number;
}

export const EVENT_HEARTBEAT_MS = 15_000;
export const MAX_QUEUED_EVENTS = 1_000;

export function eventRoutes(app: App, options: EventStreamOptions = {}) {
  return [
    route({
      method: 'get',
      path: '/api/v1/events',
      summary:
        'Supervisor events (instance state and health, scaling, restarts, tunnel) as server-sent events until the client leaves; process=NAME keeps one process',
      role: 'viewer',
      query: eventsQuery,
      response: supervisorEventSchema,
      produces: 'sse',
      events: {
        ...Object.fromEntries(EVENT_TYPES.map((type) => [type, supervisorEventSchema])),
        dropped: droppedEventSchema,
        metrics: metricsFrameSchema,
        balancers: balancersFrameSchema,
      },
      handler: ({ query, signal }) => {
        // An unknown name is a 404 now, not a stream that stays silent forever.
        const process =
          query.process === undefined ? undefined : app.processes.status(query.process).process;
        const withMetrics = query.metrics === '1' || query.metrics === 'true';
        return sse(streamEvents(app, process, withMetrics, signal, options));
      },
    }),
  ];
}

/**
 * Subscribes at once (so nothing published before the first read is lost) and queues events for
 * the reader; a reader slower than the events loses the oldest and is told how many.
 */
function streamEvents(
  app: App,
  process: string | undefined,
  withMetrics: boolean,
  signal: AbortSignal,
  options: EventStreamOptions,
): AsyncIterable<SseEvent | { comment: string }> {
  const clock = options.clock ?? systemClock;
  const heartbeatMs = options.heartbeatMs ?? EVENT_HEARTBEAT_MS;
  const maxQueued = options.maxQueued ?? MAX_QUEUED_EVENTS;
  const queue: SupervisorEventView[] = [];
  // Only the newest sample matters to a chart: a newer one replaces one not yet sent.
  let metricsFrame: SseEvent | undefined;
  let balancersFrame: SseEvent | undefined;
  let dropped = 0;
  let heartbeatDue = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const unsubscribe = app.subscribe((event) => {
    if (process !== undefined && event.process !== process) return;
    queue.push(event);
    if (queue.length > maxQueued) {
      queue.shift();
      dropped++;
    }
    notify();
  });
  const unsubscribeMetrics = withMetrics
    ? app.metrics.subscribe((frame) => {
        metricsFrame = { event: 'metrics', data: JSON.stringify(frame) };
        const balancers = app.balancers
          .list()
          .filter(
            (b) =>
              process === undefined || b.routes.some((r) => r.target_processes.includes(process)),
          );
        if (balancers.length > 0)
          balancersFrame = {
            event: 'balancers',
            data: JSON.stringify({ time: frame.time, balancers }),
          };
        notify();
      }, process)
    : () => undefined;
  let cancelHeartbeat = () => {};
  const armHeartbeat = () => {
    cancelHeartbeat = clock.setTimeout(() => {
      heartbeatDue = true;
      armHeartbeat();
      notify();
    }, heartbeatMs);
  };
  armHeartbeat();
  const stop = () => {
    unsubscribe();
    unsubscribeMetrics();
    cancelHeartbeat();
    notify();
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });

  return (async function* () {
    try {
      while (!signal.aborted) {
        if (dropped > 0) {
          const count = dropped;
          dropped = 0;
          yield { event: 'dropped', data: JSON.stringify({ count }) };
          continue;
        }
        const event = queue.shift();
        if (event) {
          yield { event: event.type, id: String(event.seq), data: JSON.stringify(event) };
          continue;
        }
        if (metricsFrame) {
          const frame = metricsFrame;
          metricsFrame = undefined;
          yield frame;
          continue;
        }
        if (balancersFrame) {
          const frame = balancersFrame;
          balancersFrame = undefined;
          yield frame;
          continue;
        }
        if (heartbeatDue) {
          heartbeatDue = false;
          yield { comment: 'heartbeat' };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', stop);
      stop();
    }
  })();
}
