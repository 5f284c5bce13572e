/**
 * Hot deploys from GitHub Releases (issue 7). Built so far, and not yet wired into the daemon:
 * the releases client, asset selection, download, checksum and safe installation, and the
 * version store. The strategies, triggers (API, webhooks, poller) and the prestart hook that
 * runs the installed release come next.
 */
export type * from './types.js';
export * from './github/index.js';
export * from './install/index.js';
export * from './versions/index.js';
export { releaseHook } from './release-hook.js';
