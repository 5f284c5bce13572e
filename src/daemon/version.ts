import { createRequire } from 'node:module';

/** gowinproc's own version, from package.json (two levels up from src/daemon and dist/daemon). */
export const VERSION: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;
