export * from './decide-restart.js';
