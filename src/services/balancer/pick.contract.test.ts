/**
 * What every strategy promises (one suite run against each, so a new strategy cannot skip a
 * promise), then how each one spreads calls.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pick, STRATEGIES } from './pick.js';
import type { BalancerStrategy, PickCandidate } from './types.js';

/** mulberry32: a small seeded generator, so every distribution test sees the same numbers. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const candidate = (i: number, inFlight = 0, weight = 1): PickCandidate => ({
  id: `p${i}-0`,
  process: `p${i}`,
  order: i,
  inFlight,
  weight,
});

const weightArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 10 }),
  fc.double({ min: 0, max: 100, noNaN: true }),
);
const candidatesArb = fc
  .array(fc.record({ inFlight: fc.nat(20), weight: weightArb }), { maxLength: 8 })
  .map((specs) => specs.map((spec, i) => candidate(i, spec.inFlight, spec.weight)));
const cursorArb = fc.oneof(fc.nat(1000), fc.maxSafeNat(), fc.constant(Number.MAX_SAFE_INTEGER));
const seedArb = fc.integer();

function deepFrozen(candidates: PickCandidate[]): readonly PickCandidate[] {
  return Object.freeze(candidates.map((c) => Object.freeze({ ...c })));
}

/** Whether `strategy` may answer "no backend" although candidates exist. */
const mayRefuse = (strategy: BalancerStrategy, candidates: readonly PickCandidate[]): boolean =>
  strategy === 'weighted' && candidates.every((c) => !(c.weight > 0));

describe.each(STRATEGIES)('the pick contract: %s', (strategy) => {
  it('chooses one of the candidates, or none exactly when none can take the call', () => {
    fc.assert(
      fc.property(candidatesArb, cursorArb, seedArb, (candidates, cursor, seed) => {
        const { chosen } = pick(strategy, candidates, cursor, seededRandom(seed));
        const shouldRefuse = candidates.length === 0 || mayRefuse(strategy, candidates);
        if (shouldRefuse) return chosen === undefined;
        return chosen !== undefined && candidates.includes(chosen);
      }),
    );
  });

  it('is deterministic: the same inputs and random numbers give the same answer', () => {
    fc.assert(
      fc.property(candidatesArb, cursorArb, seedArb, (candidates, cursor, seed) => {
        const first = pick(strategy, candidates, cursor, seededRandom(seed));
        const second = pick(strategy, candidates, cursor, seededRandom(seed));
        return first.chosen === second.chosen && first.cursor === second.cursor;
      }),
    );
  });

  it('never mutates its inputs', () => {
    fc.assert(
      fc.property(candidatesArb, cursorArb, seedArb, (candidates, cursor, seed) => {
        const before = structuredClone(candidates);
        // Frozen: a write would throw (ES modules are strict), not just go unnoticed.
        const frozen = deepFrozen(candidates);
        pick(strategy, frozen, cursor, seededRandom(seed));
        expect(frozen).toEqual(before);
      }),
    );
  });

  it('returns a cursor that is a non-negative safe integer, even from a bad one', () => {
    const anyCursor = fc.oneof(cursorArb, fc.double(), fc.integer({ min: -1000, max: -1 }));
    fc.assert(
      fc.property(candidatesArb, anyCursor, seedArb, (candidates, cursor, seed) => {
        const next = pick(strategy, candidates, cursor, seededRandom(seed)).cursor;
        return Number.isSafeInteger(next) && next >= 0;
      }),
    );
  });

  it('keeps choosing as long as the router feeds its cursor back', () => {
    const candidates = [candidate(0), candidate(1), candidate(2)];
    const random = seededRandom(1);
    let cursor = Number.MAX_SAFE_INTEGER - 2;
    for (let i = 0; i < 10; i++) {
      const answer = pick(strategy, candidates, cursor, random);
      expect(answer.chosen).toBeDefined();
      cursor = answer.cursor;
    }
  });
});

/** Picks `calls` times, feeding the cursor back, and counts the calls each backend got. */
function spread(
  strategy: BalancerStrategy,
  candidates: readonly PickCandidate[],
  calls: number,
  random: () => number,
): number[] {
  const counts = candidates.map(() => 0);
  let cursor = 0;
  for (let i = 0; i < calls; i++) {
    const answer = pick(strategy, candidates, cursor, random);
    cursor = answer.cursor;
    if (answer.chosen !== undefined) counts[candidates.indexOf(answer.chosen)]! += 1;
  }
  return counts;
}

describe('how each strategy spreads calls', () => {
  it('round_robin: exactly even over whole rounds, in order', () => {
    for (const n of [1, 2, 3, 7]) {
      const candidates = Array.from({ length: n }, (_, i) => candidate(i));
      expect(spread('round_robin', candidates, n * 100, seededRandom(1))).toEqual(
        candidates.map(() => 100),
      );
    }
    const order: string[] = [];
    let cursor = 0;
    for (let i = 0; i < 6; i++) {
      const answer = pick(
        'round_robin',
        [candidate(0), candidate(1), candidate(2)],
        cursor,
        Math.random,
      );
      order.push(answer.chosen!.id);
      cursor = answer.cursor;
    }
    expect(order).toEqual(['p0-0', 'p1-0', 'p2-0', 'p0-0', 'p1-0', 'p2-0']);
  });

  it('least_connections: always a backend with the fewest streams in flight', () => {
    fc.assert(
      fc.property(candidatesArb, cursorArb, (candidates, cursor) => {
        fc.pre(candidates.length > 0);
        const { chosen } = pick('least_connections', candidates, cursor, Math.random);
        return chosen!.inFlight === Math.min(...candidates.map((c) => c.inFlight));
      }),
    );
  });

  it('least_connections: under a simulated load, calls go to the least busy and even out', () => {
    const random = seededRandom(7);
    const inFlight = [0, 0, 0, 0];
    const served = [0, 0, 0, 0];
    let cursor = 0;
    for (let step = 0; step < 20_000; step++) {
      // Backend 0 is slow: its calls finish half as often, so it should get fewer.
      const ending = Math.floor(random() * 4);
      if (inFlight[ending]! > 0 && (ending !== 0 || random() < 0.5)) inFlight[ending]! -= 1;
      const candidates = inFlight.map((n, i) => candidate(i, n));
      const answer = pick('least_connections', candidates, cursor, random);
      cursor = answer.cursor;
      const index = candidates.indexOf(answer.chosen!);
      expect(inFlight[index]).toBe(Math.min(...inFlight));
      inFlight[index]! += 1;
      served[index]! += 1;
    }
    expect(served[0]).toBeLessThan(Math.min(served[1]!, served[2]!, served[3]!));
    expect(Math.max(...inFlight) - Math.min(...inFlight)).toBeLessThanOrEqual(1);
  });

  it('least_connections: ties split exactly evenly', () => {
    const tied = [candidate(0, 2), candidate(1, 5), candidate(2, 2), candidate(3, 2)];
    expect(spread('least_connections', tied, 300, seededRandom(1))).toEqual([100, 0, 100, 100]);
  });

  it('primary: everything to the first, failing over in order as candidates disappear', () => {
    const all = [candidate(0), candidate(1), candidate(2), candidate(3)];
    expect(spread('primary', all, 50, seededRandom(1))).toEqual([50, 0, 0, 0]);
    // The primary leaves (unhealthy, ejected, draining): the next in order takes over, and so on.
    for (let gone = 0; gone < all.length; gone++) {
      const left = all.slice(gone);
      expect(pick('primary', left, 0, Math.random).chosen).toBe(all[gone]);
    }
    // A backend in the middle leaving changes nothing while the primary is there.
    expect(pick('primary', [all[0]!, all[2]!, all[3]!], 0, Math.random).chosen).toBe(all[0]);
    // Load does not matter either.
    expect(pick('primary', [candidate(0, 999), candidate(1)], 0, Math.random).chosen?.id).toBe(
      'p0-0',
    );
  });

  it('random: each backend gets about its share', () => {
    const candidates = [candidate(0), candidate(1), candidate(2)];
    const calls = 30_000;
    const counts = spread('random', candidates, calls, seededRandom(42));
    for (const count of counts) expect(Math.abs(count / calls - 1 / 3)).toBeLessThan(0.015);
  });

  it('weighted: each backend gets about its weight’s share, weight 0 none', () => {
    const weights = [1, 2, 7, 0];
    const candidates = weights.map((weight, i) => candidate(i, 0, weight));
    const calls = 50_000;
    const counts = spread('weighted', candidates, calls, seededRandom(42));
    expect(counts[3]).toBe(0);
    weights.forEach((weight, i) => {
      expect(Math.abs(counts[i]! / calls - weight / 10)).toBeLessThan(0.01);
    });
  });

  it('weighted: any weights, a zero weight is never chosen', () => {
    fc.assert(
      fc.property(candidatesArb, seedArb, (candidates, seed) => {
        const { chosen } = pick('weighted', candidates, 0, seededRandom(seed));
        return chosen === undefined || chosen.weight > 0;
      }),
    );
  });
});
