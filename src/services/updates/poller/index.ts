export { UpdatePoller, DEFAULT_POLL_TICK_MS } from './update-poller.js';
export {
  pollPlan,
  nextCheckAt,
  dueAt,
  newSchedule,
  scheduleAfterCheck,
  FIRST_CHECK_MAX_DELAY_MS,
  ERROR_BACKOFF_INITIAL_MS,
  type PollPlan,
  type TargetSchedule,
  type CheckFailure,
} from './poll-plan.js';
export { latestVersionSource, type LatestVersionSourceOptions } from './latest-version-source.js';
export type { PollTarget, PollOutcome, UpdatePollerOptions } from './types.js';
