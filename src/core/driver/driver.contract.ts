/**
 * One contract for every ProcessDriver (after hono's common.case.test.ts): the scripted fake
 * and the real driver must behave the same for the supervisor, so the fake cannot drift.
 */
import { describe, expect, it } from 'vitest';
import { LineCollector } from '../../../test/helpers/lines.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import type { ProcessDriver, SpawnSpec } from './types.js';

/** What the contract asks a child to do; each driver maps it to a fixture or a script. */
export type Behaviour = 'serve' | 'exit-3' | 'ignore-term' | 'print-env' | 'missing-binary';

export interface ContractSubject {
  driver: ProcessDriver;
  spec(behaviour: Behaviour, env?: Record<string, string>): SpawnSpec;
}

export function driverContract(name: string, make: () => ContractSubject): void {
  describe(`ProcessDriver contract: ${name}`, () => {
    it('spawns a process with a pid whose output can be read, and stops it with the stop signal', async () => {
      const { driver, spec } = make();
      const handle = await driver.spawn(spec('serve'));
      expect(handle.pid).toBeGreaterThan(0);
      const out = new LineCollector(handle.stdout);
      await waitFor(() => out.has('ready'));
      const exit = await handle.stop({ signal: 'SIGTERM', timeoutMs: 5000 });
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    });

    it('reports the exit code and stderr of a process that exits on its own', async () => {
      const { driver, spec } = make();
      const handle = await driver.spawn(spec('exit-3'));
      const err = new LineCollector(handle.stderr);
      const exit = await handle.exited;
      expect(exit).toMatchObject({ code: 3, signal: null });
      await waitFor(() => err.has(/exit/));
    });

    it('escalates to SIGKILL when the process ignores the stop signal', async () => {
      const { driver, spec } = make();
      const handle = await driver.spawn(spec('ignore-term'));
      const out = new LineCollector(handle.stdout);
      await waitFor(() => out.has('ready'));
      const exit = await handle.stop({ signal: 'SIGTERM', timeoutMs: 300 });
      expect(exit.signal).toBe('SIGKILL');
    });

    it('passes exactly the given environment', async () => {
      const { driver, spec } = make();
      const handle = await driver.spawn(spec('print-env', { GOWINPROC_CONTRACT: 'yes' }));
      const out = new LineCollector(handle.stdout);
      await waitFor(() => out.has(/^env /));
      const env = JSON.parse(out.lines.find((l) => l.startsWith('env '))!.slice(4)) as Record<
        string,
        string
      >;
      expect(env.GOWINPROC_CONTRACT).toBe('yes');
      await handle.stop({ signal: 'SIGTERM', timeoutMs: 5000 });
    });

    it('rejects a missing binary with binary_not_found', async () => {
      const { driver, spec } = make();
      await expect(driver.spawn(spec('missing-binary'))).rejects.toMatchObject({
        code: 'binary_not_found',
      });
    });

    it('identifies a live process and adopts it by identity, refusing a wrong identity', async () => {
      const { driver, spec } = make();
      const handle = await driver.spawn(spec('serve'));
      const out = new LineCollector(handle.stdout);
      await waitFor(() => out.has('ready'));
      const identity = await driver.identify(handle.pid);
      expect(identity?.pid).toBe(handle.pid);
      expect(
        await driver.adopt({
          identity: { ...identity!, startTime: 'not-the-same' },
          stop: { signal: 'SIGTERM', timeoutMs: 1000 },
        }),
      ).toBeUndefined();
      const adopted = await driver.adopt({
        identity: identity!,
        stop: { signal: 'SIGTERM', timeoutMs: 1000 },
      });
      expect(adopted?.pid).toBe(handle.pid);
      expect(adopted?.adopted).toBe(true);
      await adopted!.stop({ signal: 'SIGTERM', timeoutMs: 5000 });
      await handle.exited;
      expect(await driver.identify(handle.pid)).toBeUndefined();
    });
  });
}
