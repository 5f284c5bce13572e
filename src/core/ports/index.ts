export * from './port-allocator.js';
