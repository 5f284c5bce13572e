/**
 * Counters for the calls through one backend or one route: started, in flight, finished by
 * status, latency. `start` and `finish` run once per proxied stream, so they only bump numbers;
 * names and quantiles are worked out in `snapshot`, which stats readers call rarely.
 */
import type { CallOutcome } from '../types.js';
import { GRPC_CODE_NAMES, grpcCodeIndex } from './grpc-codes.js';
import { LatencyHistogram } from './latency-histogram.js';

export interface CallStatsSnapshot {
  /** Calls started (in flight ones included). */
  requests: number;
  inFlight: number;
  /** Calls that finished with a status other than OK (client cancellations included). */
  errors: number;
  /** Finished calls by status name; only statuses seen appear. */
  byStatus: Record<string, number>;
  latency: {
    count: number;
    sumMs: number;
    p50Ms: number;
    p90Ms: number;
    p99Ms: number;
    boundsMs: readonly number[];
    /** Per bucket, not cumulative; the last is +Inf. */
    counts: readonly number[];
  };
}

export class CallStats {
  private startedCount = 0;
  private inFlightCount = 0;
  private errorCount = 0;
  private readonly byCode = new Float64Array(GRPC_CODE_NAMES.length);
  private readonly latency = new LatencyHistogram();

  start(): void {
    this.startedCount++;
    this.inFlightCount++;
  }

  finish(outcome: CallOutcome): void {
    // Never below zero, so a stray finish cannot make a backend look less loaded than idle.
    if (this.inFlightCount > 0) this.inFlightCount--;
    const code = grpcCodeIndex(outcome.grpcStatus);
    (this.byCode[code] as number)++;
    if (code !== 0) this.errorCount++;
    this.latency.observe(outcome.durationMs);
  }

  /** Calls started so far, without building a snapshot (rate windows sample it). */
  get requests(): number {
    return this.startedCount;
  }

  /** Calls in flight now, without building a snapshot. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Finished calls whose status was not OK. */
  get errors(): number {
    return this.errorCount;
  }

  snapshot(): CallStatsSnapshot {
    const byStatus: Record<string, number> = {};
    this.byCode.forEach((count, code) => {
      if (count > 0) byStatus[GRPC_CODE_NAMES[code] as string] = count;
    });
    const histogram = this.latency.snapshot();
    return {
      requests: this.startedCount,
      inFlight: this.inFlightCount,
      errors: this.errorCount,
      byStatus,
      latency: {
        count: histogram.count,
        sumMs: histogram.sumMs,
        p50Ms: this.latency.quantile(0.5),
        p90Ms: this.latency.quantile(0.9),
        p99Ms: this.latency.quantile(0.99),
        boundsMs: histogram.boundsMs,
        counts: histogram.counts,
      },
    };
  }
}
