import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The dashboard's build (web/dist) of this installation: under the nearest directory above this
 * file (src/, dist/ or the bundle) whose package.json is gowinproc's, as version.ts finds it.
 * Undefined when there is none (the dashboard then says it is not built).
 */
export function findDashboardDir(
  start: string = dirname(fileURLToPath(import.meta.url)),
): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && isGowinproc(file)) return join(dir, 'web', 'dist');
    if (dirname(dir) === dir) return undefined;
  }
}

function isGowinproc(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'gowinproc';
  } catch {
    return false; // an unreadable package.json is not ours
  }
}
