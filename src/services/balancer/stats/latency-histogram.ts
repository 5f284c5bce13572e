/**
 * A fixed-bucket latency histogram: observe is a short scan and two additions, memory is 16
 * numbers, and the buckets are Prometheus-shaped (`le` upper bounds) so the exporter can publish
 * them as they are. Quantiles are estimated by linear interpolation within the bucket, as
 * Prometheus' histogram_quantile does, then kept within the smallest and largest values seen.
 */
const BOUNDS_MS: readonly number[] = Object.freeze([
  0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
]);

export interface LatencySnapshot {
  boundsMs: readonly number[];
  /** Observations per bucket (not cumulative); one more than boundsMs, the last is +Inf. */
  counts: readonly number[];
  count: number;
  sumMs: number;
}

export class LatencyHistogram {
  static readonly BOUNDS_MS: readonly number[] = BOUNDS_MS;

  private readonly counts = new Float64Array(BOUNDS_MS.length + 1);
  private count = 0;
  private sumMs = 0;
  private minMs = Infinity;
  private maxMs = 0;

  observe(ms: number): void {
    // A clock step can make a duration negative or absurd; it still counts as a call.
    const value = ms >= 0 && Number.isFinite(ms) ? ms : 0;
    let bucket = 0;
    while (bucket < BOUNDS_MS.length && value > (BOUNDS_MS[bucket] as number)) bucket++;
    (this.counts[bucket] as number)++;
    this.count++;
    this.sumMs += value;
    if (value < this.minMs) this.minMs = value;
    if (value > this.maxMs) this.maxMs = value;
  }

  /** The q-quantile (0..1) in ms; 0 when nothing was observed. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = (q >= 0 ? (q <= 1 ? q : 1) : 0) * this.count;
    let below = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      const inBucket = this.counts[bucket] as number;
      if (inBucket === 0 || below + inBucket < rank) {
        below += inBucket;
        continue;
      }
      const lower = bucket === 0 ? 0 : (BOUNDS_MS[bucket - 1] as number);
      // The +Inf bucket has no upper bound; the largest value seen is the honest one.
      const upper = bucket < BOUNDS_MS.length ? (BOUNDS_MS[bucket] as number) : this.maxMs;
      const estimate = lower + ((upper - lower) * (rank - below)) / inBucket;
      return Math.min(Math.max(estimate, this.minMs), this.maxMs);
    }
    return this.maxMs;
  }

  snapshot(): LatencySnapshot {
    return {
      boundsMs: BOUNDS_MS,
      counts: Array.from(this.counts),
      count: this.count,
      sumMs: this.sumMs,
    };
  }
}
