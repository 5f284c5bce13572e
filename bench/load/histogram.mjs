/**
 * Latency histograms for the load tool: hdr-histogram-js with microsecond integers, 3
 * significant digits (a percentile is within 0.1 % of the true value), resizing itself, so one
 * slow call of a minute fits as well as a 50 µs one. Summaries are in milliseconds.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';

const US_PER_MS = 1000;
// Microseconds: 1 µs .. 1 min to start with; autoResize extends the top when a value needs it.
const OPTIONS = {
  bitBucketSize: 32,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
  autoResize: true,
  useWebAssembly: false,
};

/** An empty latency histogram. */
export function createHistogram() {
  return build(OPTIONS);
}

/** Records one latency in milliseconds (fractions kept to the microsecond; at least 1 µs). */
export function recordMs(histogram, ms) {
  histogram.recordValue(Math.max(1, Math.round(ms * US_PER_MS)));
}

/** Adds every value of `source` into `target`. */
export function mergeInto(target, source) {
  target.add(source);
  return target;
}

/** A compact string of a histogram (to hand it from a worker thread to the main one). */
export function encodeHistogram(histogram) {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded) {
  const decoded = decodeFromCompressedBase64(encoded, OPTIONS.bitBucketSize, false);
  // The decoded copy is sized to its own values: let it grow when more are merged into it.
  decoded.autoResize = true;
  return decoded;
}

/**
 * { count, mean, p50, p90, p99, p999, max } in milliseconds; each percentile is the highest
 * value equivalent to the recorded one at the percentile's rank (hdr semantics). All null when
 * the histogram is empty.
 */
export function latencySummary(histogram) {
  const count = histogram.totalCount;
  if (count === 0)
    return { count: 0, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
  const at = (percentile) => histogram.getValueAtPercentile(percentile) / US_PER_MS;
  return {
    count,
    mean: histogram.mean / US_PER_MS,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: histogram.maxValue / US_PER_MS,
  };
}
