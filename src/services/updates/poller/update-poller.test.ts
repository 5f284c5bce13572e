import { afterEach, describe, expect, it } from 'vitest';
import { DaemonError, FakeClock } from '../../../shared/index.js';
import { UpdatePoller } from './update-poller.js';
import type { PollOutcome, PollTarget } from './types.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

interface Deferred {
  resolve(version: string): void;
  reject(error: unknown): void;
}

/** A poller over scripted callbacks: versions per repository, recorded triggers and reports. */
function harness(initial: PollTarget[]) {
  const clock = new FakeClock(T0);
  const h = {
    clock,
    targets: initial,
    latest: new Map<string, string | DaemonError | 'hang'>(),
    current: new Map<string, string>(),
    asked: [] as string[],
    triggers: [] as string[],
    reports: [] as Array<[string, PollOutcome]>,
    hanging: new Map<string, Deferred>(),
    triggerError: undefined as DaemonError | undefined,
    poller: undefined as unknown as UpdatePoller,
  };
  h.poller = new UpdatePoller({
    clock,
    targets: () => h.targets,
    latestVersion: (t) => {
      h.asked.push(t.process);
      const answer = h.latest.get(t.repository);
      if (answer === 'hang') {
        return new Promise((resolve, reject) => h.hanging.set(t.process, { resolve, reject }));
      }
      if (answer instanceof DaemonError) return Promise.reject(answer);
      return Promise.resolve(answer ?? 'v1');
    },
    currentVersion: (p) => h.current.get(p),
    trigger: async (p, v) => {
      h.triggers.push(`${p}@${v}`);
      if (h.triggerError) throw h.triggerError;
    },
    report: (p, o) => h.reports.push([p, o]),
  });
  return h;
}

function target(process: string, intervalMs = 5 * MINUTE): PollTarget {
  return { process, repository: `owner/${process}`, intervalMs, allowPrerelease: false };
}

let active: UpdatePoller | undefined;
afterEach(() => active?.stop());

function started(targets: PollTarget[]) {
  const h = harness(targets);
  active = h.poller;
  h.poller.start();
  return h;
}

const kinds = (reports: Array<[string, PollOutcome]>) =>
  reports.map(([p, o]) => `${p}:${o.outcome}`);

describe('UpdatePoller', () => {
  it('first checks min(interval, 10 s) after start', async () => {
    const h = started([target('api'), target('fast', 3000)]);
    h.latest.set('owner/api', 'v2').set('owner/fast', 'v2');
    h.current.set('api', 'v1').set('fast', 'v1');
    await h.clock.advance(2999);
    expect(h.asked).toEqual([]);
    await h.clock.advance(1);
    expect(h.asked).toEqual(['fast']);
    await h.clock.advance(3000);
    expect(h.asked).toEqual(['fast', 'fast']); // fast again one interval later; api not yet
    await h.clock.advance(4000);
    expect(h.asked).toEqual(['fast', 'fast', 'fast', 'api']);
    expect(h.triggers).toEqual(['fast@v2', 'api@v2']);
    expect(h.reports).toContainEqual([
      'api',
      { outcome: 'triggered', current: 'v1', latest: 'v2' },
    ]);
  });

  it('reports up_to_date only when it is news, every other outcome each time', async () => {
    const h = started([target('api', MINUTE)]);
    h.current.set('api', 'v1');
    await h.clock.advance(10_000);
    await h.clock.advance(3 * MINUTE);
    expect(h.asked).toHaveLength(4);
    expect(h.reports).toEqual([['api', { outcome: 'up_to_date', current: 'v1', latest: 'v1' }]]);

    h.latest.set(
      'owner/api',
      new DaemonError('github_unavailable', 'GitHub unreachable: ECONNRESET'),
    );
    await h.clock.advance(MINUTE);
    h.latest.set('owner/api', 'v1');
    await h.clock.advance(30_000);
    await h.clock.advance(MINUTE);
    // The error is news, so is the up_to_date after it; the one after that is not.
    expect(kinds(h.reports)).toEqual(['api:up_to_date', 'api:error', 'api:up_to_date']);
  });

  it('triggers a newer release once; a version that did not become current is not redeployed', async () => {
    const h = started([target('api', MINUTE)]);
    h.current.set('api', 'v1');
    h.latest.set('owner/api', 'v2');
    await h.clock.advance(10_000);
    expect(h.triggers).toEqual(['api@v2']);
    // The update of v2 failed and rolled back: v1 stays current.
    await h.clock.advance(3 * MINUTE);
    expect(h.triggers).toEqual(['api@v2']);
    expect(kinds(h.reports)).toEqual(['api:triggered', 'api:skipped']);
    expect(h.reports[1]?.[1]).toMatchObject({ current: 'v1', latest: 'v2' });
    expect((h.reports[1]?.[1] as { reason: string }).reason).toContain('v2 was already handled');

    h.latest.set('owner/api', 'v3');
    await h.clock.advance(MINUTE);
    expect(h.triggers).toEqual(['api@v2', 'api@v3']);
  });

  it('does not undo an operator rollback away from a version it saw current', async () => {
    const h = started([target('api', MINUTE)]);
    h.current.set('api', 'v2');
    h.latest.set('owner/api', 'v2');
    await h.clock.advance(10_000);
    h.current.set('api', 'v1');
    await h.clock.advance(2 * MINUTE);
    expect(h.triggers).toEqual([]);
    expect(kinds(h.reports)).toEqual(['api:up_to_date', 'api:skipped']);
  });

  it('skips a busy process without remembering the version, and reports each time', async () => {
    const h = started([target('api', MINUTE)]);
    h.latest.set('owner/api', 'v2');
    h.triggerError = new DaemonError('update_in_progress', 'api is already updating (u-1)');
    await h.clock.advance(10_000);
    await h.clock.advance(MINUTE);
    expect(h.reports).toEqual([
      [
        'api',
        {
          outcome: 'skipped',
          current: undefined,
          latest: 'v2',
          reason: 'api is already updating (u-1)',
        },
      ],
      [
        'api',
        {
          outcome: 'skipped',
          current: undefined,
          latest: 'v2',
          reason: 'api is already updating (u-1)',
        },
      ],
    ]);
    h.triggerError = undefined;
    await h.clock.advance(MINUTE);
    expect(h.triggers).toEqual(['api@v2', 'api@v2', 'api@v2']);
    expect(h.reports[2]?.[1].outcome).toBe('triggered');
  });

  it('backs off after errors from 30 s doubling up to the interval; a success resets it', async () => {
    const h = started([target('api', 2 * MINUTE)]);
    h.latest.set('owner/api', new DaemonError('github_unavailable', 'GitHub unreachable'));
    await h.clock.advance(10_000);
    expect(h.asked).toHaveLength(1);
    const error = h.reports[0]?.[1];
    expect(error).toEqual({
      outcome: 'error',
      code: 'github_unavailable',
      message: 'GitHub unreachable',
      retryAt: T0 + 10_000 + 30_000,
    });
    await h.clock.advance(29_999);
    expect(h.asked).toHaveLength(1);
    await h.clock.advance(1); // +30 s
    expect(h.asked).toHaveLength(2);
    await h.clock.advance(60_000); // +60 s
    expect(h.asked).toHaveLength(3);
    await h.clock.advance(119_999); // +120 s is the cap (the interval)
    expect(h.asked).toHaveLength(3);
    await h.clock.advance(1);
    expect(h.asked).toHaveLength(4);
    expect((h.reports[3]?.[1] as { retryAt: number }).retryAt).toBe(h.clock.now() + 2 * MINUTE);
    h.latest.set('owner/api', 'v1');
    await h.clock.advance(2 * MINUTE);
    expect(h.reports[4]?.[1].outcome).toBe('triggered');
    h.latest.set('owner/api', new DaemonError('github_unavailable', 'again'));
    await h.clock.advance(2 * MINUTE);
    expect((h.reports[5]?.[1] as { retryAt: number }).retryAt).toBe(h.clock.now() + 30_000);
  });

  it('waits for a rate limit until its reset time', async () => {
    const h = started([target('api', MINUTE)]);
    const resetAt = T0 + 10_000 + 20 * MINUTE;
    h.latest.set(
      'owner/api',
      new DaemonError('github_rate_limited', 'rate limit', { details: { resetAt } }),
    );
    await h.clock.advance(10_000);
    expect(h.reports[0]?.[1]).toMatchObject({
      outcome: 'error',
      code: 'github_rate_limited',
      retryAt: resetAt,
    });
    await h.clock.advance(20 * MINUTE - 1);
    expect(h.asked).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.asked).toHaveLength(2);
  });

  it('runs one check per target at a time, and a slow one blocks no other target', async () => {
    const h = started([target('slow', MINUTE), target('fast', MINUTE)]);
    h.latest.set('owner/slow', 'hang');
    h.current.set('fast', 'v1');
    await h.clock.advance(10_000 + 5 * MINUTE);
    expect(h.asked.filter((p) => p === 'slow')).toHaveLength(1);
    expect(h.asked.filter((p) => p === 'fast')).toHaveLength(6);
    const joined = h.poller.checkNow('slow');
    expect(h.asked.filter((p) => p === 'slow')).toHaveLength(1);
    h.hanging.get('slow')?.resolve('v9');
    expect(await joined).toEqual([{ outcome: 'triggered', current: undefined, latest: 'v9' }]);
    expect(h.triggers).toEqual(['slow@v9']);
    // Checked an interval after the slow check ended.
    await h.clock.advance(MINUTE);
    expect(h.asked.filter((p) => p === 'slow')).toHaveLength(2);
  });

  it('stop() cancels its timers and drops results that arrive after it', async () => {
    const h = started([target('api', MINUTE)]);
    h.latest.set('owner/api', 'hang');
    await h.clock.advance(10_000);
    expect(h.hanging.has('api')).toBe(true);
    h.poller.stop();
    expect(h.clock.pendingTimers).toBe(0);
    h.hanging.get('api')?.resolve('v2');
    await h.clock.advance(10 * MINUTE);
    expect(h.triggers).toEqual([]);
    expect(h.reports).toEqual([]);
    expect(h.asked).toHaveLength(1);
  });

  it('can start again after stop, with fresh schedules', async () => {
    const h = started([target('api', MINUTE)]);
    h.poller.stop();
    await h.clock.advance(MINUTE);
    h.poller.start();
    await h.clock.advance(9_999);
    expect(h.asked).toEqual([]);
    await h.clock.advance(1);
    expect(h.asked).toEqual(['api']);
  });

  it('re-reads targets at every tick: added ones are scheduled from when they appear', async () => {
    const h = started([target('api', MINUTE)]);
    await h.clock.advance(10_000);
    h.targets = [target('web', MINUTE)];
    await h.clock.advance(1000); // the tick that sees the change
    await h.clock.advance(9_999);
    expect(h.asked).toEqual(['api']);
    await h.clock.advance(1);
    expect(h.asked).toEqual(['api', 'web']);
    await h.clock.advance(5 * MINUTE);
    expect(h.asked.filter((p) => p === 'api')).toHaveLength(1);
  });

  it('checkNow checks at once, filters by process, and gives [] for an unknown one', async () => {
    const h = harness([target('api'), target('web')]);
    h.latest.set('owner/api', 'v2');
    h.current.set('web', 'v1');
    expect(await h.poller.checkNow()).toEqual([
      { outcome: 'triggered', current: undefined, latest: 'v2' },
      { outcome: 'up_to_date', current: 'v1', latest: 'v1' },
    ]);
    expect(await h.poller.checkNow('web')).toEqual([
      { outcome: 'up_to_date', current: 'v1', latest: 'v1' },
    ]);
    expect(await h.poller.checkNow('nope')).toEqual([]);
    expect(kinds(h.reports).sort()).toEqual(['api:triggered', 'web:up_to_date']);
  });

  it('turns throwing callbacks into error outcomes, never an unhandled rejection', async () => {
    const h = harness([target('api')]);
    const poller = new UpdatePoller({
      clock: h.clock,
      targets: () => [target('api'), target('web')],
      latestVersion: async (t) => (t.process === 'api' ? 'v2' : ''),
      currentVersion: () => {
        throw new Error('store exploded');
      },
      trigger: async () => undefined,
      report: () => {
        throw new Error('listener exploded');
      },
    });
    expect(await poller.checkNow()).toEqual([
      {
        outcome: 'error',
        code: 'internal',
        message: 'store exploded',
        retryAt: h.clock.now() + 30_000,
      },
      {
        outcome: 'error',
        code: 'release_not_found',
        message: 'no version is known for owner/web',
        retryAt: h.clock.now() + 30_000,
      },
    ]);

    let calls = 0;
    const flaky = new UpdatePoller({
      clock: h.clock,
      targets: () => {
        calls++;
        if (calls === 2) throw new Error('config swapped');
        return [target('api', MINUTE)];
      },
      latestVersion: async () => 'v1',
      currentVersion: () => 'v1',
      trigger: async () => undefined,
      report: () => undefined,
    });
    active = flaky;
    flaky.start();
    await h.clock.advance(20_000);
    expect(calls).toBeGreaterThan(3);
    await expect(
      new UpdatePoller({
        clock: h.clock,
        targets: () => {
          throw new Error('no config');
        },
        latestVersion: async () => 'v1',
        currentVersion: () => 'v1',
        trigger: async () => undefined,
        report: () => undefined,
      }).checkNow(),
    ).rejects.toMatchObject({ code: 'internal' });
  });
});
