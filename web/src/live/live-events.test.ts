/**
 * The live connection over a fetch whose event streams the test opens, feeds and ends: what was
 * shown is read again when the stream comes back after a drop (events were missed meanwhile), and
 * when the daemon says it dropped events for a slow reader.
 */
import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { credential } from '../api/credential';
import { LiveEvents } from './live-events';

const FRAME = { time: '2024-01-01T00:00:00Z', host: { cpu_percent: 1 }, processes: [] };

function eventStreams() {
  const open: Array<ReadableStreamDefaultController<Uint8Array>> = [];
  const encoder = new TextEncoder();
  vi.stubGlobal('fetch', async () => {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => void open.push(controller),
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  });
  return {
    count: () => open.length,
    push(event: string, data: unknown) {
      open.at(-1)!.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    },
    end: () => open.at(-1)!.close(),
  };
}

/** A shown query (it has an observer) that counts its fetches. */
function shownQuery(queries: QueryClient, key: string[]) {
  let fetches = 0;
  const observer = new QueryObserver(queries, {
    queryKey: key,
    queryFn: () => Promise.resolve(++fetches),
    staleTime: 30_000,
  });
  const unsubscribe = observer.subscribe(() => undefined);
  return { fetches: () => fetches, unsubscribe };
}

describe('LiveEvents', () => {
  let live: LiveEvents | undefined;
  afterEach(() => {
    live?.stop();
    vi.unstubAllGlobals();
  });

  it('reads the shown data again once the stream is back after a drop', async () => {
    const streams = eventStreams();
    const queries = new QueryClient();
    const processes = shownQuery(queries, ['processes']);
    const tunnel = shownQuery(queries, ['tunnel']);
    live = new LiveEvents(queries);
    live.start();
    await vi.waitFor(() => expect(streams.count()).toBe(1));
    streams.push('metrics', FRAME);
    await vi.waitFor(() => expect(live?.snapshot().connected).toBe(true));
    await vi.waitFor(() => expect(processes.fetches()).toBe(1));
    expect(tunnel.fetches()).toBe(1);

    streams.end();
    await vi.waitFor(() => expect(live?.snapshot().connected).toBe(false));
    await vi.waitFor(() => expect(streams.count()).toBe(2), { timeout: 3000 });
    streams.push('metrics', FRAME);
    await vi.waitFor(() => expect(live?.snapshot().connected).toBe(true));
    // No event says what changed while it was away: everything shown is read again.
    await vi.waitFor(() => expect(processes.fetches()).toBe(2));
    await vi.waitFor(() => expect(tunnel.fetches()).toBe(2));
    processes.unsubscribe();
    tunnel.unsubscribe();
  });

  it('reads the shown data again when the daemon dropped events for this reader', async () => {
    const streams = eventStreams();
    const queries = new QueryClient();
    const tunnel = shownQuery(queries, ['tunnel']);
    live = new LiveEvents(queries);
    live.start();
    await vi.waitFor(() => expect(streams.count()).toBe(1));
    streams.push('metrics', FRAME);
    await vi.waitFor(() => expect(tunnel.fetches()).toBe(1));
    streams.push('dropped', { count: 3 });
    await vi.waitFor(() => expect(tunnel.fetches()).toBe(2));
    tunnel.unsubscribe();
  });

  it("brings the login screen up when the daemon refuses the stream's credential", async () => {
    vi.stubGlobal(
      'fetch',
      async () =>
        new Response(JSON.stringify({ error: 'invalid API key', code: 'unauthenticated' }), {
          status: 401,
        }),
    );
    let rejected = 0;
    const unsubscribe = credential.subscribe(() => rejected++);
    live = new LiveEvents(new QueryClient());
    live.start();
    await vi.waitFor(() => expect(rejected).toBe(1));
    expect(live.snapshot().connected).toBe(false);
    unsubscribe();
  });
});
