export * from './instance-log.js';
export * from './read-tail.js';
