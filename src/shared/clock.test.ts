import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/wait-for.js';
import { FakeClock, sleep, systemClock } from './clock.js';

describe('FakeClock', () => {
  it('starts at the given time (2026-01-01 by default) and only moves when told', async () => {
    expect(new FakeClock().now()).toBe(Date.UTC(2026, 0, 1));
    const clock = new FakeClock(1000);
    expect(clock.now()).toBe(1000);
    await clock.advance(250);
    expect(clock.now()).toBe(1250);
  });

  it('fires due timers in time order (ties in scheduling order) at their due time', async () => {
    const clock = new FakeClock(0);
    const fired: Array<[string, number]> = [];
    const record = (name: string) => () => fired.push([name, clock.now()]);
    clock.setTimeout(record('c@30'), 30);
    clock.setTimeout(record('a@10'), 10);
    clock.setTimeout(record('b@20'), 20);
    clock.setTimeout(record('a2@10'), 10);
    await clock.advance(25);
    expect(fired).toEqual([
      ['a@10', 10],
      ['a2@10', 10],
      ['b@20', 20],
    ]);
    expect(clock.now()).toBe(25);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(5);
    expect(fired.at(-1)).toEqual(['c@30', 30]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a timer scheduled by another timer when it falls due within the same advance', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 10);
      clock.setTimeout(() => fired.push(clock.now()), 100);
    }, 10);
    await clock.advance(50);
    expect(fired).toEqual([10, 20]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('does not fire a cancelled timer', async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    const cancel = clock.setTimeout(() => fired.push('cancelled'), 10);
    clock.setTimeout(() => fired.push('kept'), 10);
    expect(clock.pendingTimers).toBe(2);
    cancel();
    cancel(); // idempotent
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(100);
    expect(fired).toEqual(['kept']);
  });

  it('a timer can cancel a later one before it fires', async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    const cancelLater = clock.setTimeout(() => fired.push('later'), 20);
    clock.setTimeout(() => cancelLater(), 10);
    await clock.advance(30);
    expect(fired).toEqual([]);
  });

  it('treats a negative delay as zero', async () => {
    const clock = new FakeClock(0);
    let fired = false;
    clock.setTimeout(() => (fired = true), -50);
    await clock.advance(0);
    expect(fired).toBe(true);
  });

  it('settles promises chained on a timer (sleep) during advance', async () => {
    const clock = new FakeClock(0);
    const steps: number[] = [];
    void (async () => {
      await sleep(clock, 100);
      steps.push(clock.now());
      await sleep(clock, 100);
      steps.push(clock.now());
    })();
    await clock.advance(99);
    expect(steps).toEqual([]);
    await clock.advance(1);
    expect(steps).toEqual([100]);
    await clock.advance(100);
    expect(steps).toEqual([100, 200]);
  });
});

describe('systemClock', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('fires a timer', async () => {
    let fired = false;
    systemClock.setTimeout(() => (fired = true), 1);
    await waitFor(() => fired || 'timer has not fired');
  });

  it('a cancelled timer does not fire before a later one does', async () => {
    const fired: string[] = [];
    const cancel = systemClock.setTimeout(() => fired.push('cancelled'), 1);
    cancel();
    systemClock.setTimeout(() => fired.push('later'), 20);
    await waitFor(() => fired.includes('later') || 'later timer has not fired');
    expect(fired).toEqual(['later']);
  });
});
