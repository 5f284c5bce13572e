import { describe, expect, it } from 'vitest';
import type { Supervisor } from '../../core/index.js';
import { DaemonError, FakeClock } from '../../shared/index.js';
import { supervisorDeployPort } from './supervisor-deploy.js';

/** A program stand-in: busy with another operation until `free()`, recording deploys. */
function fakeSupervisor() {
  const deploys: string[] = [];
  const timings: Array<{ minHealthyMs?: number; readyTimeoutMs?: number }> = [];
  const program = {
    currentOperation: 'autoscale' as string | undefined,
    config: { name: 'api', github: { min_healthy_time: 250 } },
    deploy: (strategy: string, options: { minHealthyMs?: number; readyTimeoutMs?: number }) => {
      if (program.currentOperation !== undefined) throw new Error('overlapping operation');
      deploys.push(strategy);
      timings.push({
        ...(options.minHealthyMs === undefined ? {} : { minHealthyMs: options.minHealthyMs }),
        ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
      });
      return Promise.resolve();
    },
  };
  const supervisor = { program: () => program } as unknown as Supervisor;
  return { supervisor, program, deploys, timings };
}

describe('supervisorDeployPort', () => {
  it('waits for another operation on the process to end, then deploys', async () => {
    const clock = new FakeClock();
    const { supervisor, program, deploys } = fakeSupervisor();
    const port = supervisorDeployPort(supervisor, { clock });
    let done = false;
    const deploying = port.deploy('api', 'rolling', () => undefined).then(() => (done = true));
    await clock.advance(5_000);
    expect(done).toBe(false);
    expect(deploys).toEqual([]);
    program.currentOperation = undefined;
    await clock.advance(100);
    await deploying;
    expect(deploys).toEqual(['rolling']);
  });

  it("deploys with the process's min_healthy_time unless the caller gives its own timings", async () => {
    const { supervisor, program, timings } = fakeSupervisor();
    program.currentOperation = undefined;
    const port = supervisorDeployPort(supervisor, { clock: new FakeClock() });
    await port.deploy('api', 'rolling', () => undefined);
    await port.deploy('api', 'rolling', () => undefined, {
      minHealthyMs: 1_000,
      readyTimeoutMs: 5_000,
    });
    expect(timings).toEqual([
      { minHealthyMs: 250 },
      { minHealthyMs: 1_000, readyTimeoutMs: 5_000 },
    ]);
  });

  it('gives up with operation_in_progress when the other operation does not end', async () => {
    const clock = new FakeClock();
    const { supervisor, deploys } = fakeSupervisor();
    const port = supervisorDeployPort(supervisor, { clock, waitMs: 1_000 });
    let failure: unknown;
    const deploying = port
      .deploy('api', 'rolling', () => undefined)
      .catch((e: unknown) => (failure = e));
    await clock.advance(1_100);
    await deploying;
    expect(failure).toBeInstanceOf(DaemonError);
    expect((failure as DaemonError).code).toBe('operation_in_progress');
    expect(deploys).toEqual([]);
  });
});
