import { describe, expect, it } from 'vitest';
import { onSignals, reloadSignals, shutdownSignals } from './signals.js';

describe('daemon signals per OS', () => {
  it('stops on SIGINT and SIGTERM and reloads on SIGHUP on POSIX', () => {
    for (const platform of ['linux', 'darwin', 'other-posix'] as const) {
      expect(shutdownSignals(platform)).toEqual(['SIGINT', 'SIGTERM']);
      expect(reloadSignals(platform)).toEqual(['SIGHUP']);
    }
  });

  it('stops on Ctrl+C, Ctrl+Break and console close on Windows, and has no reload signal', () => {
    expect(shutdownSignals('win32')).toEqual(['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP']);
    expect(reloadSignals('win32')).toEqual([]);
  });

  it('installs handlers and removes them again', () => {
    const before = process.listenerCount('SIGUSR2');
    const seen: string[] = [];
    const remove = onSignals(['SIGUSR2'], (signal) => seen.push(signal));
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(seen).toEqual(['SIGUSR2']);
    remove();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
