/**
 * Which OS signals stop or reload the daemon. POSIX: SIGINT/SIGTERM stop, SIGHUP reloads the
 * config. Windows: Ctrl+C (SIGINT), Ctrl+Break (SIGBREAK) and closing the console window (which
 * Node reports as SIGHUP) all stop; there is no reload signal (use `gowinproc reload`).
 */
import type { Platform } from '../shared/index.js';

export function shutdownSignals(platform: Platform): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP'] : ['SIGINT', 'SIGTERM'];
}

export function reloadSignals(platform: Platform): NodeJS.Signals[] {
  return platform === 'win32' ? [] : ['SIGHUP'];
}

/** Installs handlers; returns a function that removes them. */
export function onSignals(
  signals: NodeJS.Signals[],
  handler: (signal: NodeJS.Signals) => void,
): () => void {
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
