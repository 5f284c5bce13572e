export {
  VersionWorkerClient,
  VERSION_WORKER_TIMEOUT_MS,
  DEFAULT_REPO_LIST_LIMIT,
  ERROR_EXCERPT_CHARS,
  type RepoMetadata,
  type VersionWorkerClientOptions,
} from './version-worker-client.js';
