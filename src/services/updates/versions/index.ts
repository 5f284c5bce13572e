export {
  VersionStore,
  DEFAULT_HISTORY_LIMIT,
  type VersionStoreOptions,
  type ProcessVersions,
  type VersionStoreLoadResult,
} from './version-store.js';
export type { VersionRecord } from './version-file.js';
export { resolveBinary, type ResolvedBinary } from './binary-resolution.js';
