/**
 * In-memory rollups: per series, the running sums, counts and maxima of the bucket (minute or
 * hour) the ticks are currently falling into. When a tick falls into a new bucket, the completed
 * one is written in that tick's transaction; a tick adds to them only once its transaction has
 * committed, so a rolled-back tick leaves no trace. Across a restart (or a dropped connection),
 * rollup-restore.ts rebuilds the partial buckets from the stored rows before the first tick, so
 * their rows come out as if the daemon had not stopped.
 */

/** Sum, non-null count and maximum of each value column over one bucket of one series. */
export class BucketAccumulator {
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private readonly maxima: Float64Array;
  /** Ticks added since the last reset (0 = nothing to write). */
  ticks = 0;

  constructor(columns: number) {
    this.sums = new Float64Array(columns);
    this.counts = new Float64Array(columns);
    this.maxima = new Float64Array(columns).fill(-Infinity);
  }

  /** Adds one row of values, read from `values` starting at `offset`; nulls are skipped. */
  add(values: readonly (number | null)[], offset: number): void {
    this.ticks++;
    for (let i = 0; i < this.sums.length; i++) {
      const value = values[offset + i];
      if (value === null || value === undefined) continue;
      this.sums[i]! += value;
      this.counts[i]!++;
      if (value > this.maxima[i]!) this.maxima[i] = value;
    }
  }

  /**
   * Adds what many rows add up to: `aggregates[offset]` is their number of ticks, followed per
   * column by the sum, the non-null count and the maximum of its values (null when none).
   */
  merge(aggregates: readonly (number | null)[], offset: number): void {
    this.ticks += aggregates[offset] ?? 0;
    for (let i = 0; i < this.sums.length; i++) {
      const at = offset + 1 + 3 * i;
      const count = aggregates[at + 1] ?? 0;
      if (count === 0) continue;
      this.sums[i]! += aggregates[at] ?? 0;
      this.counts[i]! += count;
      const maximum = aggregates[at + 2] ?? -Infinity;
      if (maximum > this.maxima[i]!) this.maxima[i] = maximum;
    }
  }

  /** The mean over the non-null values; null when every value was null. */
  average(column: number): number | null {
    const count = this.counts[column]!;
    return count === 0 ? null : this.sums[column]! / count;
  }

  maximum(column: number): number | null {
    return this.counts[column] === 0 ? null : this.maxima[column]!;
  }

  /**
   * Writes the bucket's row values into `target` from `offset`, in table order: each column's
   * average, followed by its maximum when `keepsMax[column]`.
   */
  fillRow(target: (number | null)[], offset: number, keepsMax: readonly boolean[]): void {
    let at = offset;
    for (let i = 0; i < this.sums.length; i++) {
      target[at++] = this.average(i);
      if (keepsMax[i]) target[at++] = this.maximum(i);
    }
  }

  reset(): void {
    this.ticks = 0;
    this.sums.fill(0);
    this.counts.fill(0);
    this.maxima.fill(-Infinity);
  }
}

/** The accumulators of one rollup tier (every series plus the host) and the bucket they fill. */
export class Rollup {
  /** Start of the bucket being accumulated, Unix ms; null before the first tick. */
  bucketStart: number | null = null;
  readonly host: BucketAccumulator;
  private readonly series = new Map<number, BucketAccumulator>();

  constructor(
    readonly bucketMs: number,
    private readonly instanceColumns: number,
    hostColumns: number,
  ) {
    this.host = new BucketAccumulator(hostColumns);
  }

  /** The start of the bucket `at` falls into. */
  bucketOf(at: number): number {
    return at - (((at % this.bucketMs) + this.bucketMs) % this.bucketMs);
  }

  /** The accumulator of a series, created on first use and reused across buckets. */
  forSeries(seriesId: number): BucketAccumulator {
    let accumulator = this.series.get(seriesId);
    if (accumulator === undefined) {
      accumulator = new BucketAccumulator(this.instanceColumns);
      this.series.set(seriesId, accumulator);
    }
    return accumulator;
  }

  /** Every series accumulator holding at least one tick. */
  *filledSeries(): IterableIterator<[number, BucketAccumulator]> {
    for (const entry of this.series) if (entry[1].ticks > 0) yield entry;
  }

  /** Empties every accumulator (after the completed bucket was written). */
  reset(): void {
    for (const accumulator of this.series.values()) accumulator.reset();
    this.host.reset();
  }

  /** Empties the accumulators and starts filling the bucket of `at` (null: no bucket yet). */
  beginBucket(at: number | null): void {
    this.reset();
    this.bucketStart = at === null ? null : this.bucketOf(at);
  }
}
