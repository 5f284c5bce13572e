export {
  DaemonClient,
  TERMINAL_UPDATE_STATUSES,
  type ClientOptions,
  type DaemonStatus,
  type ReloadResult,
  type UpdateRequest,
} from './daemon-client.js';
