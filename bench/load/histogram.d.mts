// Types of histogram.mjs, for the TypeScript tests (test/bench/).
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from './load-generator.mjs';

export declare function createHistogram(): Histogram;
export declare function recordMs(histogram: Histogram, ms: number): void;
export declare function mergeInto(target: Histogram, source: Histogram): Histogram;
export declare function encodeHistogram(histogram: Histogram): string;
export declare function decodeHistogram(encoded: string): Histogram;
export declare function latencySummary(histogram: Histogram): LatencySummary;
