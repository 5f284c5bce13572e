export * from './grpc-codes.js';
export * from './latency-histogram.js';
export * from './call-stats.js';
export * from './rate-window.js';
