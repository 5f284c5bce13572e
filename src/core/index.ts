/** The supervisor domain. Services and the app reach core only through this file. */
export * from './supervisor/index.js';
export * from './driver/index.js';
export * from './lifecycle/index.js';
export type * from './events/index.js';
export * from './restart/index.js';
export * from './health/index.js';
export * from './ports/index.js';
export * from './logs/index.js';
export * from './state/index.js';
