import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { App } from '../../../app/index.js';
import { route } from '../route.js';
import { logLineSchema, logsQuery, processName } from '../schemas.js';

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
      handler: async ({ params, query, context }) => {
        const tail = await app.logs.tail(params.name, {
          instance: query.instance,
          tail: query.tail ?? 200,
        });
        if (!query.follow) return tail;
        return streamSSE(context, async (stream) => {
          for (const line of tail.lines)
            await stream.writeSSE({ event: 'line', data: JSON.stringify(line) });
          const queue: string[] = [];
          let wake: (() => void) | undefined;
          const unsubscribe = app.logs.follow(params.name, { instance: query.instance }, (line) => {
            queue.push(JSON.stringify(line));
            if (queue.length > MAX_QUEUED_LINES) queue.shift(); // a slow reader loses the oldest lines, not our memory
            wake?.();
          });
          stream.onAbort(() => {
            unsubscribe();
            wake?.();
          });
          while (!stream.aborted) {
            if (queue.length === 0) {
              await new Promise<void>((resolve) => {
                wake = resolve;
                setTimeout(resolve, 15_000).unref();
              });
              wake = undefined;
              if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
              continue;
            }
            await stream.writeSSE({ event: 'line', data: queue.shift()! });
          }
          unsubscribe();
        });
      },
    }),
  ];
}
