import { describe, expect, it } from 'vitest';
import { StatusBoard } from './status-board.js';
import type { UpdatePhase, UpdateStatus } from './types.js';

function status(id: string, phase: UpdatePhase): UpdateStatus {
  return {
    id,
    process: 'api',
    kind: 'update',
    to: 'v1',
    strategy: 'rolling',
    phase,
    progress: 0,
    message: '',
    startedAt: 0,
    updatedAt: 0,
  };
}

describe('StatusBoard', () => {
  it('keeps the last ended statuses up to its limit, never evicting a running one', () => {
    const board = new StatusBoard(
      () => undefined,
      () => undefined,
      3,
    );
    board.add(status('running', 'downloading'));
    for (const id of ['a', 'b', 'c', 'd']) {
      board.add(status(id, 'pending'));
      board.set(status(id, 'completed'));
    }
    expect(board.get('running').phase).toBe('downloading');
    expect(() => board.get('a')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => board.get('b')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(board.get('c').phase).toBe('completed');
    expect(board.get('d').phase).toBe('completed');
  });

  it('drops a throwing watcher with a warning and keeps telling the others', async () => {
    const warnings: string[] = [];
    const sunk: string[] = [];
    const board = new StatusBoard(
      (s) => sunk.push(s.phase),
      (message) => warnings.push(message),
    );
    board.add(status('x', 'pending'));
    let bad = 0;
    const good: string[] = [];
    board.watch('x', () => {
      bad++;
      if (bad > 1) throw new Error('listener broke');
    });
    board.watch('x', (s) => good.push(s.phase));
    const ended = board.waitFor('x');
    board.set(status('x', 'downloading'));
    board.set(status('x', 'verifying'));
    board.set(status('x', 'failed'));
    expect(bad).toBe(2);
    expect(good).toEqual(['pending', 'downloading', 'verifying', 'failed']);
    expect(sunk).toEqual(['pending', 'downloading', 'verifying', 'failed']);
    expect(warnings).toHaveLength(1);
    expect((await ended).phase).toBe('failed');
    expect((await board.waitFor('x')).phase).toBe('failed');
  });
});
