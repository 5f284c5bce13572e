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
      produces: 'json-or-sse',
      events: { line: logLineSchema },
      handler: async ({ params, query, signal }) => {
        const options = { instance: query.instance, tail: query.tail ?? 200 };
        if (!query.follow) return app.logs.tail(params.name, options);
        // Subscribe before reading the tail, so no line written meanwhile falls between the two.
        const live = followLines(app, params.name, query.instance, signal);
        const tail = await app.logs.tail(params.name, options).catch((error: unknown) => {
          live.cancel();
          throw error;
        });
        return sse(live.after(tail.lines));
      },
    }),
  ];
}

const lineKey = (line: LogLineView): string =>
  `${line.instance}|${line.time}|${line.stream}|${line.text}`;

/** Subscribes at once and buffers; `after(tail)` streams the tail, then every newer line once. */
function followLines(app: App, name: string, instance: string | undefined, signal: AbortSignal) {
  const queue: LogLineView[] = [];
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
  return {
    cancel: unsubscribe,
    async *after(tail: LogLineView[]): AsyncGenerator<SseEvent> {
      try {
        const seen = new Set(tail.map(lineKey));
        for (const line of tail) yield { event: 'line', data: JSON.stringify(line) };
        while (!signal.aborted) {
          const line = queue.shift();
          if (line) {
            if (seen.size > 0 && seen.delete(lineKey(line))) continue; // already in the tail
            yield { event: 'line', data: JSON.stringify(line) };
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        unsubscribe();
      }
    },
  };
}
