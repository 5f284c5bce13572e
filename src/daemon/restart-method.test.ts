import { describe, expect, it } from 'vitest';
import type { Platform } from '../shared/index.js';
import { restartMethod } from './restart-method.js';

const PLATFORMS: Platform[] = ['linux', 'darwin', 'win32', 'other-posix'];

describe('restartMethod', () => {
  it.each(PLATFORMS)('%s without a service manager respawns', (platform) => {
    expect(restartMethod({}, platform)).toBe('respawn');
    expect(restartMethod({ GOWINPROC_SERVICE: '', INVOCATION_ID: '' }, platform)).toBe('respawn');
  });

  it('under systemd (INVOCATION_ID) leaves the restart to the service manager', () => {
    expect(restartMethod({ INVOCATION_ID: '0f3c9a7e2b1d4c5e8a6b7c8d9e0f1a2b' }, 'linux')).toBe(
      'service-manager',
    );
  });

  it('INVOCATION_ID means systemd on Linux only', () => {
    for (const platform of ['darwin', 'win32', 'other-posix'] as const)
      expect(restartMethod({ INVOCATION_ID: 'abc' }, platform)).toBe('respawn');
  });

  it.each(PLATFORMS)('GOWINPROC_SERVICE=1 (an NSSM/WinSW wrapper) on %s', (platform) => {
    expect(restartMethod({ GOWINPROC_SERVICE: '1' }, platform)).toBe('service-manager');
  });

  it('GOWINPROC_SERVICE=0 respawns even where INVOCATION_ID was inherited', () => {
    expect(restartMethod({ GOWINPROC_SERVICE: '0', INVOCATION_ID: 'abc' }, 'linux')).toBe(
      'respawn',
    );
  });

  it('other GOWINPROC_SERVICE values are no decision', () => {
    expect(restartMethod({ GOWINPROC_SERVICE: 'yes' }, 'win32')).toBe('respawn');
    expect(restartMethod({ GOWINPROC_SERVICE: 'yes', INVOCATION_ID: 'abc' }, 'linux')).toBe(
      'service-manager',
    );
  });
});
