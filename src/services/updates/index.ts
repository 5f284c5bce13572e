/**
 * Hot deploys from GitHub Releases (issue 7). Built so far: the releases client, asset
 * selection, download, checksum and safe installation, the version store, the update
 * orchestrator (strategies through Program.deploy, automatic rollback), and the prestart hook
 * that runs the installed release (the only part wired into the daemon yet). The API routes,
 * webhooks, poller and CLI come next.
 */
export type * from './types.js';
export * from './github/index.js';
export * from './install/index.js';
export * from './versions/index.js';
export { releaseHook } from './release-hook.js';
export { supervisorDeployPort, type SupervisorDeployPort } from './supervisor-deploy.js';
export * from './orchestrator/index.js';
