import { z } from 'zod';
import type { App, LogLineView } from '../../../app/index.js';
import { route, sse, type SseEvent } from '../route.js';
import { logLineSchema, logsQuery, processName } from '../schemas.js';

/** Lines waiting for a slow reader; beyond this the oldest are dropped, not our memory. */
const MAX_QUEUED_LINES = 10_000;

export function logRoutes(app: App) {
  return [
    route({
      method: 'get',
      path: '/api/v1/processes/:name/logs',
      summary:
        "The last lines of the instances' logs (tail, default 200); follow=1 streams new lines as server-sent events",
      role: 'viewer',
      params: processName,
      query: logsQuery,
      response: z.object({ process: z.string(), lines: z.array(logLineSchema) }),
      handler: async ({ params, query, signal }) => {
        const tail = await app.logs.tail(params.name, {
          instance: query.instance,
          tail: query.tail ?? 200,
        });
        if (!query.follow) return tail;
        return sse(followLines(app, params.name, query.instance, tail.lines, signal));
      },
    }),
  ];
}

/** Subscribes at once (so no line written after the tail is missed), then drains as the client reads. */
function followLines(
  app: App,
  name: string,
  instance: string | undefined,
  first: LogLineView[],
  signal: AbortSignal,
): AsyncIterable<SseEvent> {
  const queue: LogLineView[] = [...first];
  let wake: (() => void) | undefined;
  const unsubscribe = app.logs.follow(name, { instance }, (line) => {
    queue.push(line);
    if (queue.length > MAX_QUEUED_LINES) queue.shift();
    wake?.();
  });
  signal.addEventListener(
    'abort',
    () => {
      unsubscribe();
      wake?.();
    },
    { once: true },
  );
  return (async function* () {
    try {
      while (!signal.aborted) {
        const line = queue.shift();
        if (line) {
          yield { event: 'line', data: JSON.stringify(line) };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      unsubscribe();
    }
  })();
}
