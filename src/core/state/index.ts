export * from './ledger.js';
export * from './daemon-lock.js';
