/**
 * The balancing strategies as pure pick functions: the same candidates, cursor and random numbers
 * always give the same answer, and the inputs are never mutated. The router keeps one cursor per
 * route and stores the returned one; candidates are only the eligible backends (ready, not
 * ejected, not draining), sorted by `order`.
 *
 * Called once per proxied stream, so each strategy is a single scan with no allocation beyond the
 * answer.
 */
import type { BalancerStrategy, Pick, PickCandidate } from './types.js';

export const STRATEGIES: readonly BalancerStrategy[] = Object.freeze([
  'round_robin',
  'least_connections',
  'primary',
  'random',
  'weighted',
] as const);

export function pick(
  strategy: BalancerStrategy,
  candidates: readonly PickCandidate[],
  cursor: number,
  random: () => number,
): Pick {
  const start = normalCursor(cursor);
  if (candidates.length === 0) return { chosen: undefined, cursor: start };
  switch (strategy) {
    case 'round_robin':
      return { chosen: candidates[start % candidates.length], cursor: nextCursor(start) };
    case 'least_connections':
      return { chosen: fewestInFlight(candidates, start), cursor: nextCursor(start) };
    case 'primary':
      return { chosen: lowestOrder(candidates), cursor: start };
    case 'random':
      return { chosen: candidates[randomIndex(random(), candidates.length)], cursor: start };
    case 'weighted':
      return { chosen: byWeight(candidates, random), cursor: start };
  }
}

/** A cursor from outside (stored state, a test) that is not a non-negative safe integer restarts at 0. */
function normalCursor(cursor: number): number {
  return Number.isSafeInteger(cursor) && cursor >= 0 ? cursor : 0;
}

/** Wraps before the cursor stops being an exact integer, where `% n` would repeat or skip. */
function nextCursor(cursor: number): number {
  return cursor >= Number.MAX_SAFE_INTEGER ? 0 : cursor + 1;
}

/**
 * Ties (the common case: idle backends all at 0) go round-robin among the tied backends, taking
 * the (cursor mod ties)-th, so each tied backend gets exactly its share instead of the first one
 * taking every call. Two scans, no allocation.
 */
function fewestInFlight(candidates: readonly PickCandidate[], cursor: number): PickCandidate {
  let fewest = Infinity;
  let tied = 0;
  for (const candidate of candidates) {
    if (candidate.inFlight < fewest) {
      fewest = candidate.inFlight;
      tied = 1;
    } else if (candidate.inFlight === fewest) {
      tied++;
    }
  }
  let skip = cursor % tied;
  for (const candidate of candidates) {
    if (candidate.inFlight === fewest && skip-- === 0) return candidate;
  }
  // Only reachable when in-flight counts are NaN, which no backend reports.
  return candidates[cursor % candidates.length] as PickCandidate;
}

/** Candidates arrive sorted by order; scanning anyway keeps `primary` right if a caller forgets. */
function lowestOrder(candidates: readonly PickCandidate[]): PickCandidate {
  let best = candidates[0] as PickCandidate;
  for (let i = 1; i < candidates.length; i++) {
    const candidate = candidates[i] as PickCandidate;
    if (candidate.order < best.order) best = candidate;
  }
  return best;
}

/** Clamped so that a random source returning exactly 1 (or garbage) still names a candidate. */
function randomIndex(value: number, n: number): number {
  const index = Math.floor(value * n);
  return index >= 0 && index < n ? index : index >= n ? n - 1 : 0;
}

/**
 * Weight-proportional choice. A weight of 0 (or a negative or non-finite one, which config
 * validation rejects) takes no traffic; all zero means no candidate can take the call.
 */
function byWeight(
  candidates: readonly PickCandidate[],
  random: () => number,
): PickCandidate | undefined {
  let total = 0;
  let largest = 0;
  for (const candidate of candidates) {
    const weight = usableWeight(candidate.weight);
    total += weight;
    if (weight > largest) largest = weight;
  }
  if (largest === 0) return undefined;
  // Weights may go up to Number.MAX_VALUE; their sum would overflow, so scale them down first.
  const scale = Number.isFinite(total) ? 1 : 1 / largest;
  if (scale !== 1) total = sumScaled(candidates, scale);
  const target = clampUnit(random()) * total;
  let reached = 0;
  let lastPositive: PickCandidate | undefined;
  for (const candidate of candidates) {
    const weight = usableWeight(candidate.weight) * scale;
    if (weight === 0) continue;
    reached += weight;
    lastPositive = candidate;
    if (target < reached) return candidate;
  }
  // Rounding can leave `reached` a hair under `target`; the last backend with weight owns that tail.
  return lastPositive;
}

function usableWeight(weight: number): number {
  return weight > 0 && Number.isFinite(weight) ? weight : 0;
}

function sumScaled(candidates: readonly PickCandidate[], scale: number): number {
  let total = 0;
  for (const candidate of candidates) total += usableWeight(candidate.weight) * scale;
  return total;
}

function clampUnit(value: number): number {
  return value >= 0 && value < 1 ? value : value >= 1 ? 1 : 0;
}
