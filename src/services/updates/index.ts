/**
 * Hot deploys from GitHub Releases: the releases client, asset selection, download, checksum and
 * safe installation, the version store, the update orchestrator (strategies through
 * Program.deploy, automatic rollback), the prestart hook that runs the installed release, the
 * poller (auto_update, from GitHub or the Cloudflare webhook worker) and webhook parsing.
 */
export type * from './types.js';
export * from './github/index.js';
export * from './install/index.js';
export * from './versions/index.js';
export { releaseHook } from './release-hook.js';
export { supervisorDeployPort, type SupervisorDeployPort } from './supervisor-deploy.js';
export * from './orchestrator/index.js';
export * from './poller/index.js';
export * from './worker/index.js';
export * from './webhook/index.js';
