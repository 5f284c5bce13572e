/**
 * The update orchestrator's way into the supervisor: deploying a release is replacing a
 * program's instances with Program.deploy (whose stop hooks drain each instance from the
 * balancers), and its settings come from the program's current config.
 */
import type { ProcessConfig } from '../../config/index.js';
import type { DeployPhase, DeployStrategy, Supervisor } from '../../core/index.js';

export interface SupervisorDeployPort {
  deploy(process: string, strategy: DeployStrategy, onPhase: DeployPhase): Promise<void>;
  config(process: string): ProcessConfig;
}

export function supervisorDeployPort(
  supervisor: Supervisor,
  options: { minHealthyMs?: number } = {},
): SupervisorDeployPort {
  return {
    deploy: (process, strategy, onPhase) =>
      supervisor.program(process).deploy(strategy, { onPhase, ...options }),
    config: (process) => supervisor.program(process).config,
  };
}
