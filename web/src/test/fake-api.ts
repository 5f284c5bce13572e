/**
 * A stand-in for the daemon's REST API in component tests: `fetch` answers from a table of
 * recorded answers (method + path → status and JSON), records every request, and serves event
 * streams that stay open until the test pushes events or ends.
 */
import { vi } from 'vitest';

export interface Answer {
  status?: number;
  json?: unknown;
}

export interface FakeApi {
  /** Set (or replace) the answer of `GET /path` or `POST /path`. */
  on(route: string, answer: Answer | ((body: unknown) => Answer)): void;
  requests: Array<{ method: string; path: string; body: unknown; auth: string | undefined }>;
  /** Push one server-sent event to every open stream of `path` (without query string). */
  push(path: string, event: string, data: unknown): void;
}

export function fakeApi(): FakeApi {
  const answers = new Map<string, Answer | ((body: unknown) => Answer)>();
  const streams = new Map<string, Array<ReadableStreamDefaultController<Uint8Array>>>();
  const requests: FakeApi['requests'] = [];
  const encoder = new TextEncoder();
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const url = new URL(input, 'http://dashboard.test');
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    requests.push({
      method,
      path: url.pathname + url.search,
      body,
      auth: headers.get('authorization') ?? undefined,
    });
    if (headers.get('accept') === 'text/event-stream') {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          const list = streams.get(url.pathname) ?? [];
          list.push(controller);
          streams.set(url.pathname, list);
        },
      });
      return new Response(stream, {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
      });
    }
    const found =
      answers.get(`${method} ${url.pathname}${url.search}`) ??
      answers.get(`${method} ${url.pathname}`);
    const answer = typeof found === 'function' ? found(body) : found;
    if (!answer)
      return new Response(
        JSON.stringify({
          error: `no fake answer for ${method} ${url.pathname}`,
          code: 'not_found',
        }),
        {
          status: 404,
        },
      );
    return new Response(answer.json === undefined ? '' : JSON.stringify(answer.json), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  return {
    on: (route, answer) => void answers.set(route, answer),
    requests,
    push(path, event, data) {
      for (const controller of streams.get(path) ?? [])
        controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    },
  };
}
