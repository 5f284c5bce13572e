/**
 * Supervisor events as a pull stream for WatchEvents. Events arrive on the bus synchronously and
 * leave at the pace the client reads them; the queue between is bounded. A client that falls
 * `maxQueued` events behind first receives everything queued, then the stream ends with
 * RESOURCE_EXHAUSTED: a watcher never misses events silently, and a stalled one cannot grow the
 * daemon's memory. The stream ends when `signal` aborts: the client cancelled (CANCELED, which
 * nobody reads), or the server closes (its shutdown reason, UNAVAILABLE: watch again later).
 */
import { Code, ConnectError } from '@connectrpc/connect';

export const MAX_QUEUED_EVENTS = 1000;

export async function* bufferedEvents<E>(
  subscribe: (listener: (event: E) => void) => () => void,
  signal: AbortSignal,
  maxQueued = MAX_QUEUED_EVENTS,
): AsyncGenerator<E> {
  const queue: E[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = subscribe((event) => {
    if (queue.length >= maxQueued) overflowed = true;
    else queue.push(event);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (signal.aborted) throw endedBy(signal.reason);
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      if (overflowed) {
        throw new ConnectError(
          `the client fell ${maxQueued} events behind; the stream ended, watch again to continue`,
          Code.ResourceExhausted,
        );
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}

function endedBy(reason: unknown): ConnectError {
  return reason instanceof ConnectError
    ? reason
    : new ConnectError('the event stream was cancelled', Code.Canceled);
}
