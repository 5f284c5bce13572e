export * from './verdict.js';
export * from './probes.js';
