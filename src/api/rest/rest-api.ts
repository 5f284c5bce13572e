/**
 * The REST edge: registers the route table on a Hono app, with one place for authentication,
 * input validation (zod; a bad field is a 400 naming it) and error mapping ({"error","code"} with
 * the status from HTTP_STATUS). Handlers only call the app facade.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import type { App } from '../../app/index.js';
import { DaemonError } from '../../shared/index.js';
import type { AuthPolicy } from '../auth/index.js';
import { HTTP_STATUS } from './error-status.js';
import type { RouteSpec } from './route.js';
import { daemonRoutes } from './routes/daemon-routes.js';
import { logRoutes } from './routes/log-routes.js';
import { processRoutes } from './routes/process-routes.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface RestApiOptions {
  app: App;
  auth: AuthPolicy;
  /** Called with every error answered with a 5xx (bugs), for the daemon log. */
  onInternalError?: (error: unknown) => void;
}

export function restRoutes(app: App): RouteSpec[] {
  return [...daemonRoutes(app), ...processRoutes(app), ...logRoutes(app)];
}

export function buildRestApi(options: RestApiOptions): Hono {
  const api = new Hono();
  api.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new DaemonError(
          'payload_too_large',
          `the request body is larger than ${MAX_BODY_BYTES} bytes`,
        );
      },
    }),
  );
  for (const spec of restRoutes(options.app)) {
    api.on(spec.method.toUpperCase(), spec.path, async (c) => {
      options.auth.authorize(
        { authorization: c.req.header('authorization'), apiKey: c.req.header('x-api-key') },
        spec.role,
      );
      const params = parse(spec.params, c.req.param(), 'path');
      const query = parse(spec.query, c.req.query(), 'query');
      const body = spec.body ? parse(spec.body, await readJson(c), 'body') : undefined;
      const result = await spec.handler({ params, query, body, context: c });
      if (result instanceof Response) return result;
      return c.json(result as object, spec.status ?? 200);
    });
  }
  api.notFound((c) =>
    c.json({ error: `no route ${c.req.method} ${c.req.path}`, code: 'not_found' }, 404),
  );
  api.onError((error, c) => {
    const failure = DaemonError.from(error);
    const status = HTTP_STATUS[failure.code];
    if (status >= 500 && failure.code === 'internal') options.onInternalError?.(error);
    return c.json(failure.toJSON(), status as 500);
  });
  return api;
}

function parse<T>(schema: z.ZodType<T> | undefined, input: unknown, where: string): T {
  if (!schema) return {} as T;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : where;
    return `${where === 'body' ? '' : `${where} `}${field}: ${issue.message}`;
  });
  throw new DaemonError('invalid_argument', `invalid request: ${problems.join('; ')}`, {
    details: { fields: result.error.issues.map((i) => i.path.join('.')) },
  });
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DaemonError('invalid_argument', 'invalid request: the body is not valid JSON');
  }
}
