import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../helpers/lines.js';
import { fixture } from '../helpers/paths.js';
import { portRange, startDaemon, writeConfig } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { holdsFor, waitFor } from '../helpers/wait-for.js';

interface Detail {
  instances: Array<{ id: string; pid: number | null; status: string; index: number }>;
  events: Array<{ type: string }>;
}

describe('daemon crash and restart', () => {
  it('adopts the instances still running after kill -9, replaces the dead, and duplicates nothing', async () => {
    const dir = tempDir();
    const range = portRange();
    const path = writeConfig(
      dir,
      `
server: { port: 0, grpc_port: 0 }
processes:
  - name: web
    binary_path: ${fixture('http-service.mjs')}
    instances: 2
    max_instances: 3
    port_range: ${range}
    health_check: { type: http, interval: 500ms }
  - name: ticker
    binary_path: ${fixture('ticker.mjs')}
    port_range: ${range}
    env: { TICK_MS: "10" }
`,
    );
    const first = await startDaemon(dir, path);
    const healthyWeb = async (daemon: typeof first): Promise<Detail['instances']> =>
      (await daemon.api<Detail>('GET', '/api/v1/processes/web')).json.instances;
    await waitFor(async () =>
      (await healthyWeb(first)).filter((i) => i.status === 'healthy').length === 2
        ? true
        : 'web not healthy',
    );
    await waitFor(() =>
      first.ledgerPids().length === 3 ? true : `ledger: ${first.ledgerPids().length}`,
    );
    const [webA, webB] = await healthyWeb(first);
    const tickerPid = (await first.api<Detail>('GET', '/api/v1/processes/ticker')).json
      .instances[0]!.pid!;

    first.child.kill('SIGKILL');
    await first.exitCode;
    const lastTickBeforeKill = (await readTicks(dir)).at(-1) ?? -1;
    process.kill(webB!.pid!, 'SIGKILL'); // dies while no daemon watches
    await waitFor(() => (!pidAlive(webB!.pid!) ? true : 'web B still alive'));
    // The ticker keeps writing with nobody reading its pipe, and must not die of it.
    await holdsFor(
      () =>
        pidAlive(tickerPid) && pidAlive(webA!.pid!) ? true : 'an instance died without its daemon',
      500,
    );

    const second = await startDaemon(dir, path);
    await waitFor(async () =>
      (await healthyWeb(second)).filter((i) => i.status === 'healthy').length === 2
        ? true
        : 'web not healthy again',
    );
    const web = await healthyWeb(second);
    expect(web.map((i) => i.pid)).toContain(webA!.pid);
    expect(web.map((i) => i.pid)).not.toContain(webB!.pid);
    expect(web.find((i) => i.pid === webA!.pid)!.id).toBe(webA!.id);
    const ticker = (await second.api<Detail>('GET', '/api/v1/processes/ticker')).json;
    expect(ticker.instances.map((i) => i.pid)).toEqual([tickerPid]);
    expect(ticker.events.some((e) => e.type === 'instance.adopted')).toBe(true);
    await holdsFor(async () => {
      const count = (await healthyWeb(second)).length;
      return count === 2 ? true : `web has ${count} instances`;
    }, 1000);

    // Output written while no daemon read it was kept in the pipe: after the kill, the tick
    // numbers have no gap. (Lines the killed daemon had already read but not yet written are
    // lost with it: at most a read's worth, right at the kill.)
    await waitFor(async () => {
      const ticks = await readTicks(dir);
      const beforeKill = ticks.filter((n) => n <= lastTickBeforeKill);
      const afterKill = ticks.filter((n) => n > lastTickBeforeKill);
      const gap = (list: number[]) => list.findIndex((n, i) => i > 0 && n !== list[i - 1]! + 1);
      if (gap(beforeKill) >= 0)
        throw new Error(
          `before the kill, tick ${beforeKill[gap(beforeKill) - 1]} is followed by ${beforeKill[gap(beforeKill)]}`,
        );
      if (gap(afterKill) >= 0)
        throw new Error(
          `after the kill, tick ${afterKill[gap(afterKill) - 1]} is followed by ${afterKill[gap(afterKill)]}`,
        );
      if (afterKill.length > 0 && afterKill[0]! - lastTickBeforeKill - 1 > 20) {
        throw new Error(
          `ticks ${lastTickBeforeKill + 1}..${afterKill[0]! - 1} are missing around the kill`,
        );
      }
      // The daemon was down for more than 500 ms: some 50 ticks waited in the pipe meanwhile.
      return afterKill.length > 150 ? true : `${afterKill.length} ticks since the kill`;
    });

    second.child.kill('SIGTERM');
    expect(await second.exitCode).toBe(0);
    expect(pidAlive(webA!.pid!)).toBe(false);
    expect(pidAlive(tickerPid)).toBe(false);
  });

  it('stops adopted instances of a process that was removed from the config', async () => {
    const dir = tempDir();
    const range = portRange();
    const both = `
server: { port: 0, grpc_port: 0 }
processes:
  - name: keep
    binary_path: ${fixture('print-env.mjs')}
    port_range: ${range}
  - name: gone
    binary_path: ${fixture('print-env.mjs')}
    port_range: ${range}
`;
    const path = writeConfig(dir, both);
    const first = await startDaemon(dir, path);
    await waitFor(() => (first.ledgerPids().length === 2 ? true : 'ledger not written'));
    const goneDetail = (await first.api<Detail>('GET', '/api/v1/processes/gone')).json;
    const gonePid = goneDetail.instances[0]!.pid!;
    first.child.kill('SIGKILL');
    await first.exitCode;
    writeConfig(dir, both.replace(/ {2}- name: gone[\s\S]*$/, ''));
    const second = await startDaemon(dir, path);
    await waitFor(() => (!pidAlive(gonePid) ? true : 'the removed process is still running'));
    expect(
      second.output.some((l) =>
        l.includes(`stopping pid ${gonePid}: process gone is no longer in the config`),
      ),
    ).toBe(true);
  });
});

async function readTicks(dir: string): Promise<number[]> {
  return (await readFile(join(dir, 'logs', 'ticker', '0.log'), 'utf8'))
    .split('\n')
    .map((l) => /\[out\] tick (\d+)$/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}
