import { describe, expect, it } from 'vitest';
import { updateStatus as status } from '../../test/helpers/update-status.js';
import { DaemonError } from '../shared/index.js';
import { followUpdate } from './update-follow.js';
import type { UpdateStatusView } from './update-use-cases.js';

/** A watch the test drives: `emit` is the update service telling its listeners. */
function fakeWatch(initial: UpdateStatusView) {
  const listeners = new Set<(s: UpdateStatusView) => void>();
  return {
    listeners,
    emit: (s: UpdateStatusView) => listeners.forEach((l) => l(s)),
    watch: (listener: (s: UpdateStatusView) => void) => {
      listener(initial);
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

describe('followUpdate', () => {
  it('sends the current status, each change, and ends after a terminal one, unsubscribed', async () => {
    const source = fakeWatch(status('pending', 0));
    const stream = followUpdate(source.watch, new AbortController().signal);
    expect((await stream.next()).value).toMatchObject({ status: 'pending' });
    expect(source.listeners.size).toBe(1);
    const next = stream.next();
    source.emit(status('downloading', 10));
    expect((await next).value).toMatchObject({ status: 'downloading', progress: 10 });
    source.emit(status('extracting', 65));
    source.emit(status('completed', 100));
    source.emit(status('failed', 100)); // nothing after the end
    expect((await stream.next()).value).toMatchObject({ status: 'extracting' });
    expect((await stream.next()).value).toMatchObject({ status: 'completed' });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(source.listeners.size).toBe(0);
  });

  it('gives a slow reader the newest status of each phase, never dropping a phase', async () => {
    const source = fakeWatch(status('downloading', 0));
    const stream = followUpdate(source.watch, new AbortController().signal);
    expect((await stream.next()).value).toMatchObject({ status: 'downloading', progress: 0 });
    // The reader reads nothing while these arrive.
    for (let progress = 1; progress <= 60; progress++) source.emit(status('downloading', progress));
    source.emit(status('starting', 80, 'instance 0'));
    source.emit(status('starting', 80, 'instance 1'));
    source.emit(status('health_check', 85));
    source.emit(status('starting', 80, 'instance 2'));
    source.emit(status('rolled_back', 100));
    const got: string[] = [];
    for await (const s of stream) got.push(`${s.status} ${s.progress} ${s.message}`);
    expect(got).toEqual([
      'downloading 60 downloading',
      'starting 80 instance 1',
      'health_check 85 health_check',
      'starting 80 instance 2',
      'rolled_back 100 rolled_back',
    ]);
  });

  it('ends at once when the status is already terminal (a late watcher)', async () => {
    const source = fakeWatch(status('failed', 100));
    const got: string[] = [];
    for await (const s of followUpdate(source.watch, new AbortController().signal))
      got.push(s.status);
    expect(got).toEqual(['failed']);
    expect(source.listeners.size).toBe(0);
  });

  it('lets the not_found of an unknown id through', async () => {
    const stream = followUpdate(() => {
      throw new DaemonError('not_found', 'no update with id "x"');
    }, new AbortController().signal);
    await expect(stream.next()).rejects.toMatchObject({ code: 'not_found' });
  });

  it('ends when the reader goes away, unsubscribed', async () => {
    const source = fakeWatch(status('starting', 80));
    const abort = new AbortController();
    const stream = followUpdate(source.watch, abort.signal);
    await stream.next();
    const waiting = stream.next();
    abort.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(source.listeners.size).toBe(0);
  });
});
