/** Secrets: `.env` files, per-process resolution (local or Cloudflare), the cache, the hook. */
export {
  formatEnvFile,
  parseEnvText,
  quoteEnvValue,
  readEnvFile,
  writeEnvFile,
} from './env-file.js';
export { SecretCache, type FetchSecrets } from './secret-cache.js';
export {
  diffKeys,
  selectSecrets,
  type KeyChanges,
  type SelectedSecrets,
} from './select-secrets.js';
export { SecretsService, type ReportEvent, type SecretsServiceOptions } from './secrets-service.js';
export { secretsHook } from './secrets.hook.js';
