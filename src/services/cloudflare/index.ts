export {
  AuthWorkerClient,
  type AuthStep,
  type AuthWorkerClientOptions,
  type LoginOptions,
} from './auth-worker-client.js';
export type { LoginResult } from './auth-worker-responses.js';
export { CLIENT_ID_PATTERN, assertClientId, isValidClientId } from './client-id.js';
export {
  generateClientKeys,
  type GenerateClientKeysOptions,
  type GeneratedClientKeys,
  type KeyBits,
} from './keygen.js';
export { loadPrivateKey, parsePrivateKey } from './private-key.js';
export { MAX_RETRY_DELAY_MS, isRetryableStatus, retryDelay } from './retry.js';
export { challengeDigestHex, signChallenge } from './signing.js';
