import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../shared/index.js';
import { bufferedEvents } from './watch-events.js';

describe('bufferedEvents', () => {
  it('delivers in order, then ends with RESOURCE_EXHAUSTED once the reader falls too far behind', async () => {
    const bus = new EventBus<number>();
    const stream = bufferedEvents<number>((l) => bus.subscribe(l), new AbortController().signal, 3);
    const first = stream.next(); // subscribes, then waits
    bus.publish(1);
    expect(await first).toEqual({ done: false, value: 1 });
    for (const n of [2, 3, 4, 5, 6]) bus.publish(n);
    expect(bus.size).toBe(1);
    const read: number[] = [];
    let ended: unknown;
    try {
      for await (const n of stream) read.push(n);
    } catch (error) {
      ended = error;
    }
    expect(read).toEqual([2, 3, 4]);
    expect(ended).toBeInstanceOf(ConnectError);
    expect((ended as ConnectError).code).toBe(Code.ResourceExhausted);
    expect(bus.size).toBe(0);
  });

  it('ends with the abort reason when it is a ConnectError, else CANCELED, and unsubscribes', async () => {
    const bus = new EventBus<number>();
    const shutdown = new AbortController();
    const stream = bufferedEvents<number>((l) => bus.subscribe(l), shutdown.signal);
    const waiting = stream.next();
    shutdown.abort(new ConnectError('the daemon is shutting down', Code.Unavailable));
    await expect(waiting).rejects.toMatchObject({ code: Code.Unavailable });
    expect(bus.size).toBe(0);

    const cancel = new AbortController();
    const other = bufferedEvents<number>((l) => bus.subscribe(l), cancel.signal);
    const pending = other.next();
    cancel.abort();
    await expect(pending).rejects.toMatchObject({ code: Code.Canceled });
    expect(bus.size).toBe(0);
  });
});
