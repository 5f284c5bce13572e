export {
  GithubClient,
  GITHUB_API_VERSION,
  GITHUB_TIMEOUT_MS,
  type AssetDownloadRequest,
  type GithubClientOptions,
  type LatestReleaseOptions,
  type ListReleasesOptions,
} from './github-client.js';
export { rateLimitResetAt, DEFAULT_RATE_LIMIT_WAIT_MS } from './rate-limit.js';
