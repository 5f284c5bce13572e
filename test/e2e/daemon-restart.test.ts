/**
 * POST /api/v1/restart with the built daemon and no service manager: the daemon stops its
 * instances, releases its lock, starts a detached replacement and exits 0; the replacement (a new
 * pid) answers on the same port and runs the process again. The replacement is not our child: the
 * test shuts it down itself and kills what is left.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pidAlive } from '../helpers/lines.js';
import { fixture } from '../helpers/paths.js';
import { portRange, startDaemon, writeConfig } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Status {
  pid: number;
  status: string;
}
interface Detail {
  instances: Array<{ pid: number | null; status: string }>;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return (await response.json()) as T;
}

/** The pid in the data directory's lock file (the daemon holding it), if any. */
function lockHolder(dir: string): number | undefined {
  const path = join(dir, 'data', 'gowinproc.lock');
  if (!existsSync(path)) return undefined;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

describe('daemon restart', () => {
  it('respawns: the first daemon exits 0, a new one answers on the same port and runs the process', async () => {
    const dir = tempDir();
    const [start] = portRange(60).split('-').map(Number) as [number];
    const path = writeConfig(
      dir,
      `
server: { port: ${start}, grpc_port: 0 }
processes:
  - name: web
    binary_path: ${fixture('http-service.mjs')}
    port_range: ${start + 10}-${start + 59}
    health_check: { type: http, interval: 500ms }
`,
    );
    // Empty values: a test run under systemd must still take the respawn branch.
    const first = await startDaemon(dir, path, {
      env: { INVOCATION_ID: '', GOWINPROC_SERVICE: '' },
    });
    const url = first.url;
    expect(url).toBe(`http://127.0.0.1:${start}`);
    const healthyWeb = async (): Promise<Detail['instances']> =>
      (await getJson<Detail>(`${url}/api/v1/processes/web`)).instances.filter(
        (i) => i.status === 'healthy',
      );
    await waitFor(async () => ((await healthyWeb()).length === 1 ? true : 'web not healthy'), {
      timeoutMs: 15_000,
    });
    const firstPid = (await getJson<Status>(`${url}/api/v1/status`)).pid;
    expect(firstPid).toBe(first.child.pid);
    const oldWebPid = (await healthyWeb())[0]!.pid!;

    let replacement: number | undefined;
    // Registered after startDaemon's cleanup, so it runs first: the replacement stops its own
    // instances, then startDaemon's cleanup kills whatever its ledger still names.
    onTestFinished(async () => {
      const pid = replacement ?? lockHolder(dir);
      if (pid === undefined || pid === firstPid) return;
      await fetch(`${url}/shutdown`, { method: 'POST' }).catch(() => undefined);
      await waitFor(() => (!pidAlive(pid) ? true : `replacement ${pid} still running`), {
        timeoutMs: 15_000,
      }).catch(() => kill(pid, 'SIGKILL'));
    });

    const answer = await first.api('POST', '/api/v1/restart');
    expect(answer).toEqual({ status: 202, json: { status: 'restarting', method: 'respawn' } });
    expect(await first.exitCode).toBe(0);
    expect(pidAlive(oldWebPid)).toBe(false); // stopped gracefully, not left for adoption

    await waitFor(
      async () => {
        const status = await getJson<Status>(`${url}/api/v1/status`);
        if (status.pid === firstPid) return 'still the first daemon';
        replacement = status.pid;
        return true;
      },
      { timeoutMs: 20_000 },
    );
    expect(replacement).not.toBe(firstPid);
    expect(pidAlive(replacement!)).toBe(true);
    expect(lockHolder(dir)).toBe(replacement);
    await waitFor(
      async () => ((await healthyWeb()).length === 1 ? true : 'web not running again'),
      {
        timeoutMs: 15_000,
      },
    );
    const [web] = await healthyWeb();
    expect(web!.pid).not.toBe(oldWebPid);
    const log = (): string => readFileSync(join(dir, 'logs', 'gowinproc.log'), 'utf8');
    expect(log()).toContain('every instance stopped; starting a new daemon process');
    await waitFor(() => {
      const starts = log().match(/gowinproc started/g)?.length ?? 0;
      return starts === 2 ? true : `${starts} start lines in the log`;
    });

    // The replacement stops like any daemon: its instances stop, its lock goes.
    const webPid = web!.pid!;
    const bye = await fetch(`${url}/shutdown`, { method: 'POST' });
    expect(bye.status).toBe(200);
    await waitFor(() => (!pidAlive(replacement!) ? true : 'replacement still running'), {
      timeoutMs: 15_000,
    });
    expect(pidAlive(webPid)).toBe(false);
    expect(lockHolder(dir)).toBeUndefined();
  });
});
