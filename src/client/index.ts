export {
  DaemonClient,
  type ClientOptions,
  type DaemonStatus,
  type ReloadResult,
} from './daemon-client.js';
