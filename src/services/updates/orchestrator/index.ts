/** The update orchestrator: updates and rollbacks of a process, with their statuses. */
export {
  UpdateService,
  DEFAULT_KEEP_INSTALLS,
  UPDATE_STRATEGIES,
  dirName,
} from './update-service.js';
export { STATUS_HISTORY_LIMIT, isTerminal, type StatusListener } from './status-board.js';
export type {
  DeployPhaseName,
  DeployPort,
  RollbackOptions,
  UpdateOptions,
  UpdatePhase,
  UpdateServiceDeps,
  UpdateStatus,
  UpdateStrategy,
} from './types.js';
