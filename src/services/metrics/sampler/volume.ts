/** The data directory's volume, on every OS (Node's statfs works on Linux, macOS and Windows). */
import { statfsSync } from 'node:fs';

/** Size and free space (for unprivileged users) of the volume holding `dir`; undefined if unknown. */
export interface Volume {
  totalBytes: number;
  freeBytes: number;
}

export function volumeOf(dir: string): Volume | undefined {
  try {
    const stats = statfsSync(dir);
    return { totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
  } catch {
    return undefined;
  }
}
