/** The update orchestrator: updates and rollbacks of a process, with their statuses. */
export { UpdateService, UPDATE_STRATEGIES, dirName } from './update-service.js';
export { STATUS_HISTORY_LIMIT, isTerminal, type StatusListener } from './status-board.js';
export type {
  DeployOptions,
  DeployPhaseName,
  DeployPort,
  DeployTimings,
  GithubLookup,
  RollbackOptions,
  UpdateOptions,
  UpdatePhase,
  UpdateServiceDeps,
  UpdateStatus,
  UpdateStrategy,
} from './types.js';
