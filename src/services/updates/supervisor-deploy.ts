/**
 * The update orchestrator's way into the supervisor: deploying a release is replacing a
 * program's instances with Program.deploy (whose stop hooks drain each instance from the
 * balancers), and its settings come from the program's current config.
 */
import type { ProcessConfig } from '../../config/index.js';
import type { DeployPhase, DeployStrategy, Supervisor } from '../../core/index.js';
import type { DeployTimings } from './orchestrator/index.js';
import { DaemonError, sleep, systemClock, type Clock } from '../../shared/index.js';

/** How long a deploy waits for another operation on the process (an autoscale) to end. */
export const DEPLOY_WAIT_MS = 120_000;
const POLL_MS = 50;

export interface SupervisorDeployPort {
  deploy(
    process: string,
    strategy: DeployStrategy,
    onPhase: DeployPhase,
    timings?: DeployTimings,
  ): Promise<void>;
  config(process: string): ProcessConfig;
}

export function supervisorDeployPort(
  supervisor: Supervisor,
  options: { clock?: Clock; waitMs?: number } = {},
): SupervisorDeployPort {
  const clock = options.clock ?? systemClock;
  const waitMs = options.waitMs ?? DEPLOY_WAIT_MS;
  return {
    async deploy(process, strategy, onPhase, timings = {}) {
      // Another operation (an autoscale, a restart) ends first: a deploy is not a conflict to
      // fail and roll back over, and meanwhile the autoscaler leaves a busy process alone.
      const program = supervisor.program(process);
      const deadline = clock.now() + waitMs;
      while (program.currentOperation !== undefined) {
        if (clock.now() >= deadline)
          throw new DaemonError(
            'operation_in_progress',
            `cannot deploy ${process}: a ${program.currentOperation} has been running for ${waitMs} ms`,
          );
        await sleep(clock, POLL_MS);
      }
      // The caller's timings, else the process's github.min_healthy_time.
      const minHealthyMs = timings.minHealthyMs ?? program.config.github.min_healthy_time;
      await program.deploy(strategy, {
        onPhase,
        ...(minHealthyMs > 0 ? { minHealthyMs } : {}),
        ...(timings.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: timings.readyTimeoutMs }),
      });
    },
    config: (process) => supervisor.program(process).config,
  };
}
