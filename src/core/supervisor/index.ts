export { Supervisor, type SupervisorOptions, type ReloadSummary } from './supervisor.js';
export {
  Program,
  readyDeadline,
  instanceBounds,
  type DeployStrategy,
  type DeployPhase,
  type DeployOptions,
} from './program.js';
export { Instance, type InstanceDeps, type InstanceLogLine } from './instance.js';
export type { LifecycleHook, PrestartContext, InstanceInfo, HookPhase } from './hooks.js';
export { buildChildEnv, injectedEnv, type EnvLayers } from './child-env.js';
