export * from './states.js';
export { Lifecycle, type LifecycleOptions, type Publish } from './lifecycle.js';
export { waitUntilReady } from './wait-ready.js';
