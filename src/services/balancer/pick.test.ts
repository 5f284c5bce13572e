import { describe, expect, it } from 'vitest';
import { pick, STRATEGIES } from './pick.js';
import type { PickCandidate } from './types.js';

const backend = (id: string, order: number, inFlight = 0, weight = 1): PickCandidate => ({
  id,
  process: id.split('-')[0] ?? id,
  order,
  inFlight,
  weight,
});
const A = backend('a-0', 0);
const B = backend('b-0', 1);
const C = backend('c-0', 2);
const never = (): number => {
  throw new Error('this strategy must not draw a random number');
};
const fixed = (value: number) => (): number => value;

describe('pick', () => {
  it('lists the five strategies of the config', () => {
    expect([...STRATEGIES].sort()).toEqual(
      ['least_connections', 'primary', 'random', 'round_robin', 'weighted'].sort(),
    );
  });

  it('answers no backend for no candidates and keeps the cursor', () => {
    for (const strategy of STRATEGIES) {
      expect(pick(strategy, [], 7, fixed(0.5))).toEqual({ chosen: undefined, cursor: 7 });
    }
  });

  describe('round_robin', () => {
    it('takes candidates[cursor % n] and advances the cursor', () => {
      expect(pick('round_robin', [A, B, C], 0, never)).toEqual({ chosen: A, cursor: 1 });
      expect(pick('round_robin', [A, B, C], 4, never)).toEqual({ chosen: B, cursor: 5 });
    });

    it('wraps the cursor to 0 before it leaves the safe integers', () => {
      const max = Number.MAX_SAFE_INTEGER;
      expect(pick('round_robin', [A, B, C], max, never)).toEqual({
        chosen: [A, B, C][max % 3],
        cursor: 0,
      });
    });

    it('restarts a cursor that is negative, fractional or not a number at 0', () => {
      for (const cursor of [-1, 1.5, Number.NaN, Infinity, 2 ** 60]) {
        expect(pick('round_robin', [A, B, C], cursor, never)).toEqual({ chosen: A, cursor: 1 });
      }
    });
  });

  describe('least_connections', () => {
    it('takes the backend with the fewest streams in flight', () => {
      const busy = [backend('a-0', 0, 5), backend('b-0', 1, 2), backend('c-0', 2, 9)];
      for (let cursor = 0; cursor < 6; cursor++) {
        expect(pick('least_connections', busy, cursor, never).chosen?.id).toBe('b-0');
      }
    });

    it('breaks ties round-robin among the tied backends and advances the cursor', () => {
      const tied = [backend('a-0', 0, 1), backend('b-0', 1, 3), backend('c-0', 2, 1)];
      expect(pick('least_connections', tied, 0, never)).toEqual({ chosen: tied[0], cursor: 1 });
      expect(pick('least_connections', tied, 1, never)).toEqual({ chosen: tied[2], cursor: 2 });
      expect(pick('least_connections', tied, 2, never)).toEqual({ chosen: tied[0], cursor: 3 });
      expect(pick('least_connections', tied, 3, never)).toEqual({ chosen: tied[2], cursor: 4 });
    });

    it('with every backend idle it is round robin', () => {
      for (let cursor = 0; cursor < 6; cursor++) {
        expect(pick('least_connections', [A, B, C], cursor, never)).toEqual(
          pick('round_robin', [A, B, C], cursor, never),
        );
      }
    });
  });

  describe('primary', () => {
    it('takes the lowest order and leaves the cursor alone', () => {
      expect(pick('primary', [A, B, C], 3, never)).toEqual({ chosen: A, cursor: 3 });
      expect(pick('primary', [B, C], 3, never)).toEqual({ chosen: B, cursor: 3 });
    });

    it('finds the lowest order even when the candidates are not sorted', () => {
      expect(pick('primary', [C, A, B], 0, never).chosen).toBe(A);
    });

    it('ignores load: the primary takes everything while it is eligible', () => {
      const loaded = backend('a-0', 0, 1000);
      expect(pick('primary', [loaded, B], 0, never).chosen).toBe(loaded);
    });
  });

  describe('random', () => {
    it('takes floor(random() × n)', () => {
      expect(pick('random', [A, B, C], 0, fixed(0)).chosen).toBe(A);
      expect(pick('random', [A, B, C], 0, fixed(0.34)).chosen).toBe(B);
      expect(pick('random', [A, B, C], 0, fixed(0.9999)).chosen).toBe(C);
    });

    it('still names a candidate when the random source misbehaves', () => {
      expect(pick('random', [A, B, C], 0, fixed(1)).chosen).toBe(C);
      expect(pick('random', [A, B, C], 0, fixed(-0.5)).chosen).toBe(A);
      expect(pick('random', [A, B, C], 0, fixed(Number.NaN)).chosen).toBe(A);
    });
  });

  describe('weighted', () => {
    const heavy = backend('a-0', 0, 0, 3);
    const light = backend('b-0', 1, 0, 1);

    it('splits the unit interval in proportion to the weights', () => {
      expect(pick('weighted', [heavy, light], 0, fixed(0)).chosen).toBe(heavy);
      expect(pick('weighted', [heavy, light], 0, fixed(0.74)).chosen).toBe(heavy);
      expect(pick('weighted', [heavy, light], 0, fixed(0.75)).chosen).toBe(light);
      expect(pick('weighted', [heavy, light], 0, fixed(0.9999)).chosen).toBe(light);
    });

    it('never chooses a weight of 0', () => {
      const off = backend('c-0', 2, 0, 0);
      for (const r of [0, 0.25, 0.5, 0.75, 0.999999, 1]) {
        expect(pick('weighted', [off, heavy, off, light, off], 0, fixed(r)).chosen).not.toBe(off);
      }
    });

    it('answers no backend when every weight is 0', () => {
      const zero = [backend('a-0', 0, 0, 0), backend('b-0', 1, 0, 0)];
      expect(pick('weighted', zero, 5, fixed(0.5))).toEqual({ chosen: undefined, cursor: 5 });
    });

    it('treats negative and non-finite weights as 0', () => {
      const bad = [backend('a-0', 0, 0, -1), backend('b-0', 1, 0, Number.NaN), light];
      for (const r of [0, 0.5, 0.99]) expect(pick('weighted', bad, 0, fixed(r)).chosen).toBe(light);
    });

    it('copes with weights whose sum overflows', () => {
      const huge = [backend('a-0', 0, 0, Number.MAX_VALUE), backend('b-0', 1, 0, Number.MAX_VALUE)];
      expect(pick('weighted', huge, 0, fixed(0.25)).chosen?.id).toBe('a-0');
      expect(pick('weighted', huge, 0, fixed(0.75)).chosen?.id).toBe('b-0');
    });

    it('gives the rounding tail to the last backend with weight', () => {
      const thirds = [
        backend('a-0', 0, 0, 0.1),
        backend('b-0', 1, 0, 0.2),
        backend('c-0', 2, 0, 0),
      ];
      expect(pick('weighted', thirds, 0, fixed(1)).chosen?.id).toBe('b-0');
    });
  });
});
