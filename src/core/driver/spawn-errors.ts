/**
 * Spawn problems in words an operator can act on: checked before spawning where possible
 * (work_dir, binary exists, is executable), translated from the OS error where not.
 */
import { access, constants, stat } from 'node:fs/promises';
import { DaemonError, errnoCode, isWindows, type Platform } from '../../shared/index.js';
import type { SpawnSpec } from './types.js';

export async function preflight(spec: SpawnSpec, platform: Platform): Promise<void> {
  try {
    if (!(await stat(spec.cwd)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new DaemonError(
      'work_dir_missing',
      `work_dir ${spec.cwd} does not exist or is not a directory`,
      {
        details: { work_dir: spec.cwd },
      },
    );
  }
  if (!/[\\/]/.test(spec.command)) return; // a bare name: PATH lookup happens in spawn
  let info;
  try {
    info = await stat(spec.command);
  } catch {
    throw new DaemonError('binary_not_found', `binary_path ${spec.command} does not exist`, {
      details: { binary_path: spec.command },
    });
  }
  if (info.isDirectory()) {
    throw new DaemonError(
      'binary_not_found',
      `binary_path ${spec.command} is a directory, not an executable`,
      { details: { binary_path: spec.command } },
    );
  }
  if (!isWindows(platform)) {
    try {
      await access(spec.command, constants.X_OK);
    } catch {
      throw new DaemonError(
        'permission_denied',
        `binary_path ${spec.command} is not executable (chmod +x it)`,
        {
          details: { binary_path: spec.command },
        },
      );
    }
  }
}

export function spawnError(error: unknown, spec: SpawnSpec): DaemonError {
  const code = errnoCode(error);
  if (code === 'ENOENT' && /[\\/]/.test(spec.command)) {
    // The file exists (preflight checked it), so what is missing is its interpreter or loader.
    return new DaemonError(
      'binary_not_found',
      `binary_path ${spec.command} cannot be executed: the interpreter on its #! line, or a library it needs, is missing`,
      {
        cause: error,
        details: { binary_path: spec.command },
      },
    );
  }
  if (code === 'ENOENT') {
    const where = 'was not found on PATH';
    return new DaemonError('binary_not_found', `binary_path ${spec.command} ${where}`, {
      cause: error,
      details: { binary_path: spec.command },
    });
  }
  if (code === 'EACCES') {
    return new DaemonError(
      'permission_denied',
      `binary_path ${spec.command} cannot be executed (permission denied)`,
      { cause: error },
    );
  }
  return new DaemonError(
    'spawn_failed',
    `could not start ${spec.command}: ${(error as Error).message}`,
    { cause: error },
  );
}
