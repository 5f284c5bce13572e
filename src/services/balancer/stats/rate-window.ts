/**
 * The rate of a monotonic counter (calls started) over a sliding time window, from samples of
 * its total: rate = (newest total − oldest total in the window) / their time apart.
 *
 * Memory is fixed: samples closer together than windowMs/SLOTS are folded into the newest one,
 * so sampling on every call or once a second costs the same. A total that goes down means the
 * counter was reset; the window starts over from it rather than reporting a negative rate.
 */
import { DaemonError } from '../../../shared/index.js';

const SLOTS = 60;

export class RateWindow {
  /** A ring of kept samples (times and totals), oldest at `head`. */
  private readonly times = new Float64Array(SLOTS + 2);
  private readonly totals = new Float64Array(SLOTS + 2);
  private head = 0;
  private size = 0;
  private readonly spacingMs: number;

  constructor(readonly windowMs: number) {
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
      throw new DaemonError(
        'invalid_argument',
        `rate window must be a positive number of ms, got ${windowMs}`,
      );
    }
    this.spacingMs = windowMs / SLOTS;
  }

  sample(total: number, now: number): void {
    if (this.size > 0) {
      const newest = this.slot(this.size - 1);
      if (total < (this.totals[newest] as number) || now < (this.times[newest] as number)) {
        this.size = 0; // counter reset or clock step back
      } else if (this.size > 1) {
        const previous = this.slot(this.size - 2);
        if (now - (this.times[previous] as number) < this.spacingMs) {
          // Fold into the newest slot: it moves forward until it is a spacing past its predecessor.
          this.times[newest] = now;
          this.totals[newest] = total;
          return;
        }
      }
    }
    this.dropOlderThan(now - this.windowMs);
    if (this.size === this.times.length) this.dropOldest();
    const slot = this.slot(this.size);
    this.times[slot] = now;
    this.totals[slot] = total;
    this.size++;
  }

  /**
   * Per second over the window ending at `now`, measured from the last sample at or before the
   * window's start (else the oldest) to the newest, so samples taken about one window apart still
   * give a rate. 0 when fewer than two samples exist or none is in the window (not sampled lately).
   */
  perSecond(now: number): number {
    if (this.size < 2) return 0;
    const from = now - this.windowMs;
    const newest = this.slot(this.size - 1);
    if ((this.times[newest] as number) < from) return 0;
    let oldest = this.slot(0);
    for (let i = 1; i < this.size - 1; i++) {
      const slot = this.slot(i);
      if ((this.times[slot] as number) > from) break;
      oldest = slot;
    }
    const elapsedMs = (this.times[newest] as number) - (this.times[oldest] as number);
    if (elapsedMs <= 0) return 0;
    return (((this.totals[newest] as number) - (this.totals[oldest] as number)) * 1000) / elapsedMs;
  }

  private slot(i: number): number {
    return (this.head + i) % this.times.length;
  }

  /** Keeps the last sample at or before the window's start: it is perSecond's baseline. */
  private dropOlderThan(from: number): void {
    while (this.size > 1 && (this.times[this.slot(1)] as number) <= from) this.dropOldest();
  }

  private dropOldest(): void {
    this.head = (this.head + 1) % this.times.length;
    this.size--;
  }
}
