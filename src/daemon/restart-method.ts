/**
 * How the daemon comes back after `POST /api/v1/restart`. A service manager that supervises it
 * restarts a daemon that exits with a failure code, and would not know about (systemd: would kill
 * with the unit's processes) a replacement the daemon started itself; so under one the daemon only
 * exits. Without one it starts its own replacement once it has stopped.
 */
import type { Platform } from '../shared/index.js';

export type RestartMethod = 'respawn' | 'service-manager';

/**
 * EX_TEMPFAIL (sysexits.h): "try again". Non-zero, so systemd's `Restart=on-failure` and the
 * Windows wrappers (NSSM, WinSW), which restart a service that exits with a failure, start the
 * daemon again.
 */
export const SERVICE_MANAGER_RESTART_CODE = 75;

export function restartMethod(
  env: Readonly<Record<string, string | undefined>>,
  platform: Platform,
): RestartMethod {
  // Explicit wins both ways: `1` for a wrapper we cannot detect, `0` for a shell that inherited
  // systemd's variable from a user service (tmux, a terminal) but is not supervised.
  const explicit = env['GOWINPROC_SERVICE'];
  if (explicit === '1') return 'service-manager';
  if (explicit === '0') return 'respawn';
  // systemd sets INVOCATION_ID for every service it starts (since v232).
  if (platform === 'linux' && (env['INVOCATION_ID'] ?? '') !== '') return 'service-manager';
  return 'respawn';
}
