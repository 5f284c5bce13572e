import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consecutiveUnstableRuns,
  decideRestart,
  JITTER,
  type RestartPolicy,
  type RunRecord,
} from './decide-restart.js';

const POLICY: RestartPolicy = {
  policy: 'always',
  backoff: { initial: 100, max: 30_000, multiplier: 2 },
  window: 60_000,
  resetAfter: 10_000,
};

const withPolicy = (overrides: Partial<RestartPolicy>): RestartPolicy => ({
  ...POLICY,
  ...overrides,
});
const half = (): number => 0.5; // no jitter: 1 - 0.2 + 0.4 * 0.5 = 1

/** A run that exited at `exitedAt` after `upFor` ms; ready after `readyAfter` ms if given. */
function run(
  exitedAt: number,
  options: { upFor?: number; readyAfter?: number; failed?: boolean } = {},
): RunRecord {
  const startedAt = exitedAt - (options.upFor ?? 1000);
  return {
    startedAt,
    exitedAt,
    readyAt: options.readyAfter === undefined ? undefined : startedAt + options.readyAfter,
    failed: options.failed ?? true,
  };
}

/** A run that stayed healthy long enough to count as stable. */
const stableRun = (exitedAt: number, failed = true): RunRecord =>
  run(exitedAt, { upFor: 60_000, readyAfter: 1000, failed });

/** `n` consecutive crash runs ending at `end`, one second apart. */
const crashes = (n: number, end: number): RunRecord[] =>
  Array.from({ length: n }, (_, i) => run(end - (n - 1 - i) * 1000));

describe('decideRestart: the policy', () => {
  it('does nothing when nothing has run', () => {
    expect(decideRestart([], POLICY, 0, half)).toMatchObject({ kind: 'done' });
  });

  it('"never" never restarts, whatever the exit', () => {
    const policy = withPolicy({ policy: 'never' });
    expect(decideRestart([run(1000)], policy, 1000, half)).toMatchObject({ kind: 'done' });
    expect(decideRestart([run(1000, { failed: false })], policy, 1000, half)).toMatchObject({
      kind: 'done',
      reason: expect.stringContaining('never'),
    });
  });

  it('"on-failure" restarts a failed run and leaves a clean exit alone', () => {
    const policy = withPolicy({ policy: 'on-failure' });
    expect(decideRestart([run(1000)], policy, 1000, half)).toMatchObject({ kind: 'restart' });
    expect(decideRestart([run(1000, { failed: false })], policy, 1000, half)).toMatchObject({
      kind: 'done',
      reason: expect.stringContaining('on-failure'),
    });
  });

  it('"on-failure" with a clean exit is done even when max_restarts is exceeded', () => {
    const policy = withPolicy({ policy: 'on-failure', maxRestarts: 1 });
    const history = [run(1000), run(2000), run(3000, { failed: false })];
    expect(decideRestart(history, policy, 3000, half)).toMatchObject({ kind: 'done' });
  });

  it('"always" restarts after a clean exit too', () => {
    expect(decideRestart([run(1000, { failed: false })], POLICY, 1000, half)).toMatchObject({
      kind: 'restart',
      attempt: 1,
    });
  });
});

describe('decideRestart: back-off', () => {
  it('restarts at once after a stable run', () => {
    expect(decideRestart([stableRun(100_000)], POLICY, 100_000, half)).toEqual({
      kind: 'restart',
      delayMs: 0,
      attempt: 1,
      reason: 'exited after a stable run',
    });
  });

  it('restarts at once after a stable run that exited cleanly, whatever the random value', () => {
    for (const value of [0, 0.3, 0.99]) {
      const decision = decideRestart([stableRun(100_000, false)], POLICY, 100_000, () => value);
      expect(decision).toMatchObject({ kind: 'restart', delayMs: 0 });
    }
  });

  it('a run healthy for exactly reset_after is stable; one ms less is not', () => {
    const exactly = run(20_000, { upFor: 15_000, readyAfter: 5000 }); // healthy 10 000 ms
    const almost = run(20_000, { upFor: 15_000, readyAfter: 5001 }); // healthy 9 999 ms
    expect(decideRestart([exactly], POLICY, 20_000, half)).toMatchObject({ delayMs: 0 });
    expect(decideRestart([almost], POLICY, 20_000, half)).toMatchObject({
      delayMs: 100,
      attempt: 1,
    });
  });

  it('a run that never became ready is unstable however long it ran', () => {
    const longButNeverReady = run(1_000_000, { upFor: 999_000 });
    expect(decideRestart([longButNeverReady], POLICY, 1_000_000, half)).toMatchObject({
      delayMs: 100,
      attempt: 1,
      reason: 'exited before becoming stable',
    });
  });

  it('backs off initial * multiplier^(n-1), capped at max', () => {
    const expected = [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000];
    const now = 1_000_000;
    const delays = expected.map((_, i) => decideRestart(crashes(i + 1, now), POLICY, now, half));
    expect(delays.map((d) => (d.kind === 'restart' ? d.delayMs : d.kind))).toEqual(expected);
    expect(delays.map((d) => (d.kind === 'restart' ? d.attempt : d.kind))).toEqual(
      expected.map((_, i) => i + 1),
    );
    expect(delays[2]).toMatchObject({ reason: 'exited 3 times in a row before becoming stable' });
  });

  it('uses a non-integer multiplier', () => {
    const policy = withPolicy({ backoff: { initial: 1000, max: 60_000, multiplier: 1.5 } });
    const now = 1_000_000;
    const delays = [1, 2, 3].map((n) => decideRestart(crashes(n, now), policy, now, half));
    expect(delays).toMatchObject([{ delayMs: 1000 }, { delayMs: 1500 }, { delayMs: 2250 }]);
  });

  it('jitters the delay by +-20% from the random argument', () => {
    const now = 1_000_000;
    const history = crashes(3, now); // base 400
    const delay = (value: number): unknown =>
      (decideRestart(history, POLICY, now, () => value) as { delayMs: number }).delayMs;
    expect(JITTER).toBe(0.2);
    expect(delay(0)).toBe(320);
    expect(delay(0.25)).toBe(360);
    expect(delay(0.5)).toBe(400);
    expect(delay(0.75)).toBe(440);
    expect(delay(0.999_999)).toBe(480);
  });

  it('clamps a random value outside [0, 1]', () => {
    const now = 1_000_000;
    const history = crashes(3, now);
    expect(decideRestart(history, POLICY, now, () => -5)).toMatchObject({ delayMs: 320 });
    expect(decideRestart(history, POLICY, now, () => 7)).toMatchObject({ delayMs: 480 });
  });

  it('jitter never takes the delay above max', () => {
    const now = 1_000_000;
    const history = crashes(20, now); // base capped at 30 000
    expect(decideRestart(history, POLICY, now, () => 0.999)).toMatchObject({ delayMs: 30_000 });
    expect(decideRestart(history, POLICY, now, () => 0)).toMatchObject({ delayMs: 24_000 });
  });

  it('a stable run resets the back-off: only the crashes after it count', () => {
    const now = 1_000_000;
    const history = [...crashes(5, now - 200_000), stableRun(now - 100_000), ...crashes(2, now)];
    expect(decideRestart(history, POLICY, now, half)).toMatchObject({ delayMs: 200, attempt: 2 });
    expect(decideRestart([...history.slice(0, 6)], POLICY, now - 100_000, half)).toMatchObject({
      delayMs: 0,
      attempt: 1,
    });
  });
});

describe('decideRestart: max_restarts within window', () => {
  const policy = withPolicy({ maxRestarts: 3, window: 60_000 });

  it('restarts up to max_restarts times within the window, then gives up', () => {
    const now = 100_000;
    expect(decideRestart(crashes(3, now), policy, now, half)).toMatchObject({ kind: 'restart' });
    const decision = decideRestart(crashes(4, now), policy, now, half);
    expect(decision).toEqual({
      kind: 'give-up',
      reason: 'exited 4 times within 60000ms (max_restarts: 3)',
    });
  });

  it('does not count exits outside the window', () => {
    const now = 100_000;
    const history = [run(now - 60_000), run(now - 50_000), run(now - 40_000), run(now)];
    // the first exit is exactly window ago: outside
    expect(decideRestart(history, policy, now, half)).toMatchObject({ kind: 'restart' });
    const inside = [run(now - 59_999), ...history.slice(1)];
    expect(decideRestart(inside, policy, now, half)).toMatchObject({ kind: 'give-up' });
  });

  it('counts clean exits too under "always"', () => {
    const now = 100_000;
    const history = [1, 2, 3, 4].map((i) => run(now - i * 1000, { failed: false }));
    expect(decideRestart(history, policy, now, half)).toMatchObject({ kind: 'give-up' });
  });

  it('counts stable runs that exited within the window', () => {
    const now = 1_000_000;
    const history = [0, 1, 2, 3].map((i) => stableRun(now - i * 1000));
    expect(decideRestart(history, policy, now, half)).toMatchObject({ kind: 'give-up' });
  });

  it('max_restarts 0 gives up at the first exit', () => {
    const zero = withPolicy({ maxRestarts: 0 });
    expect(decideRestart([run(1000)], zero, 1000, half)).toMatchObject({ kind: 'give-up' });
  });

  it('never gives up without max_restarts', () => {
    const now = 10_000_000;
    const history = crashes(1000, now);
    expect(decideRestart(history, POLICY, now, half)).toMatchObject({
      kind: 'restart',
      attempt: 1000,
      delayMs: 30_000,
    });
  });
});

describe('consecutiveUnstableRuns', () => {
  it('counts the unstable runs at the end of the history', () => {
    expect(consecutiveUnstableRuns([], 10_000)).toBe(0);
    expect(consecutiveUnstableRuns([stableRun(100_000)], 10_000)).toBe(0);
    expect(consecutiveUnstableRuns([run(1), stableRun(100_000), run(200_000)], 10_000)).toBe(1);
    expect(consecutiveUnstableRuns(crashes(4, 100_000), 10_000)).toBe(4);
  });
});

// ---- properties ----

interface RunSpec {
  gap: number;
  upFor: number;
  readyAfter: number | undefined;
  failed: boolean;
}

const runSpec: fc.Arbitrary<RunSpec> = fc.record({
  gap: fc.nat({ max: 120_000 }),
  upFor: fc.nat({ max: 120_000 }),
  readyAfter: fc.option(fc.nat({ max: 120_000 }), { nil: undefined }),
  failed: fc.boolean(),
});

/** Builds a chronological history from gaps and run lengths; returns it with a `now` after it. */
const historyArb = fc
  .tuple(fc.array(runSpec, { minLength: 1, maxLength: 30 }), fc.nat({ max: 5000 }))
  .map(([specs, after]) => {
    let t = 1_000_000;
    const history: RunRecord[] = specs.map((spec) => {
      const startedAt = t + spec.gap;
      const exitedAt = startedAt + spec.upFor;
      t = exitedAt;
      const readyAt =
        spec.readyAfter === undefined || spec.readyAfter > spec.upFor
          ? undefined
          : startedAt + spec.readyAfter;
      return { startedAt, exitedAt, readyAt, failed: spec.failed };
    });
    return { history, now: t + after };
  });

const policyArb: fc.Arbitrary<RestartPolicy> = fc.record({
  policy: fc.constantFrom('always' as const, 'on-failure' as const, 'never' as const),
  backoff: fc.record({
    initial: fc.nat({ max: 3_600_000 }),
    max: fc.nat({ max: 3_600_000 }),
    multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
  }),
  maxRestarts: fc.option(fc.nat({ max: 40 }), { nil: undefined }),
  window: fc.nat({ max: 3_600_000 }),
  resetAfter: fc.nat({ max: 120_000 }),
});

const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** Trailing unstable runs, counted independently of the implementation. */
function trailingUnstable(history: readonly RunRecord[], resetAfter: number): number {
  const reversed = [...history].reverse();
  const firstStable = reversed.findIndex(
    (r) => r.readyAt !== undefined && r.exitedAt - r.readyAt >= resetAfter,
  );
  return firstStable === -1 ? history.length : firstStable;
}

describe('decideRestart: properties', () => {
  it('the delay is always within [0, max]', () => {
    fc.assert(
      fc.property(historyArb, policyArb, randomArb, ({ history, now }, policy, random) => {
        const decision = decideRestart(history, policy, now, () => random);
        if (decision.kind !== 'restart') return;
        expect(decision.delayMs).toBeGreaterThanOrEqual(0);
        expect(decision.delayMs).toBeLessThanOrEqual(policy.backoff.max);
        expect(Number.isInteger(decision.delayMs)).toBe(true);
      }),
    );
  });

  it('the delay is the capped back-off within +-20% jitter', () => {
    fc.assert(
      fc.property(historyArb, policyArb, randomArb, ({ history, now }, policy, random) => {
        const decision = decideRestart(history, policy, now, () => random);
        if (decision.kind !== 'restart') return;
        const n = trailingUnstable(history, policy.resetAfter);
        if (n === 0) {
          expect(decision.delayMs).toBe(0);
          return;
        }
        const { initial, max, multiplier } = policy.backoff;
        const base = Math.min(max, initial * multiplier ** (n - 1));
        expect(decision.delayMs).toBeGreaterThanOrEqual(Math.floor(base * (1 - JITTER)));
        expect(decision.delayMs).toBeLessThanOrEqual(Math.ceil(Math.min(max, base * (1 + JITTER))));
      }),
    );
  });

  it('never gives up when max_restarts is unset', () => {
    fc.assert(
      fc.property(historyArb, policyArb, randomArb, ({ history, now }, policy, random) => {
        const decision = decideRestart(
          history,
          { ...policy, maxRestarts: undefined },
          now,
          () => random,
        );
        expect(decision.kind).not.toBe('give-up');
      }),
    );
  });

  it('gives up exactly when more than max_restarts exits fall in the window', () => {
    fc.assert(
      fc.property(
        historyArb,
        policyArb,
        fc.nat({ max: 40 }),
        randomArb,
        ({ history, now }, policy, maxRestarts, random) => {
          const always = { ...policy, policy: 'always' as const, maxRestarts };
          const decision = decideRestart(history, always, now, () => random);
          const inWindow = history.filter((r) => now - r.exitedAt < always.window).length;
          expect(decision.kind).toBe(inWindow > maxRestarts ? 'give-up' : 'restart');
        },
      ),
    );
  });

  it('attempt equals the number of trailing unstable runs (1 after a stable run)', () => {
    fc.assert(
      fc.property(historyArb, policyArb, randomArb, ({ history, now }, policy, random) => {
        const decision = decideRestart(history, policy, now, () => random);
        if (decision.kind !== 'restart') return;
        const n = trailingUnstable(history, policy.resetAfter);
        expect(decision.attempt).toBe(Math.max(1, n));
      }),
    );
  });

  it('is deterministic for the same inputs', () => {
    fc.assert(
      fc.property(historyArb, policyArb, randomArb, ({ history, now }, policy, random) => {
        const first = decideRestart(history, policy, now, () => random);
        const second = decideRestart(structuredClone(history), { ...policy }, now, () => random);
        expect(second).toEqual(first);
      }),
    );
  });

  it('does not change the history it is given', () => {
    fc.assert(
      fc.property(historyArb, policyArb, randomArb, ({ history, now }, policy, random) => {
        const before = structuredClone(history);
        decideRestart(history, policy, now, () => random);
        expect(history).toEqual(before);
      }),
    );
  });
});
