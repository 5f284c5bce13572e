import { describe, expect, it } from 'vitest';
import type { Supervisor } from '../../core/index.js';
import { DaemonError, FakeClock } from '../../shared/index.js';
import { supervisorDeployPort } from './supervisor-deploy.js';

/** A program stand-in: busy with another operation until `free()`, recording deploys. */
function fakeSupervisor() {
  const deploys: string[] = [];
  const program = {
    currentOperation: 'autoscale' as string | undefined,
    config: { name: 'api' },
    deploy: (strategy: string) => {
      if (program.currentOperation !== undefined) throw new Error('overlapping operation');
      deploys.push(strategy);
      return Promise.resolve();
    },
  };
  const supervisor = { program: () => program } as unknown as Supervisor;
  return { supervisor, program, deploys };
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
