import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/paths.js';
import { holdPort } from '../helpers/ports.js';
import { portRange, startDaemon, writeConfig } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { holdsFor, waitFor } from '../helpers/wait-for.js';

interface Detail {
  status: string;
  instances: Array<{ pid: number | null; status: string; reason?: string; stderr_tail?: string[] }>;
  events: Array<{ type: string; code?: string; message?: string; to?: string }>;
}

describe('bad input and failing children', () => {
  it('reports each failure once, clearly, and keeps the daemon and the other processes running', async () => {
    const dir = tempDir();
    const range = portRange();
    const busy = await holdPort();
    const plain = join(dir, 'not-executable.sh');
    writeFileSync(plain, '#!/bin/sh\nsleep 100\n', { mode: 0o644 });
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `
server: { port: 0, grpc_port: 0 }
processes:
  - name: healthy
    binary_path: ${fixture('http-service.mjs')}
    port_range: ${range}
    health_check: { type: http, interval: 500ms }
  - name: missing
    binary_path: ${join(dir, 'no-such-binary')}
    port_range: ${range}
  - name: noexec
    binary_path: ${plain}
    port_range: ${range}
  - name: busyport
    binary_path: ${fixture('http-service.mjs')}
    port: ${busy}
  - name: nodir
    binary_path: ${fixture('print-env.mjs')}
    work_dir: ${join(dir, 'missing-dir')}
    port_range: ${range}
  - name: quitter
    binary_path: ${fixture('crash-after.mjs')}
    port_range: ${range}
    restart: { max_restarts: 2, window: 1m, backoff: { initial: 50ms } }
`,
      ),
    );
    const detail = async (name: string) =>
      (await daemon.api<Detail>('GET', `/api/v1/processes/${name}`)).json;
    await waitFor(async () =>
      (await detail('healthy')).status === 'healthy' ? true : 'not healthy yet',
    );
    const healthyPid = (await detail('healthy')).instances[0]!.pid;

    const expectations: Array<[string, string, RegExp]> = [
      ['missing', 'binary_not_found', /binary_path .*no-such-binary does not exist/],
      ['noexec', 'permission_denied', /not-executable\.sh is not executable \(chmod \+x it\)/],
      ['busyport', 'port_in_use', new RegExp(`port ${busy} is in use by another program`)],
      ['nodir', 'work_dir_missing', /work_dir .*missing-dir does not exist/],
    ];
    for (const [name, code, message] of expectations) {
      const events = (await detail(name)).events.filter((e) => e.type === 'instance.error');
      expect(events.length, `${name}: one error, not one per retry`).toBe(1);
      expect(events[0], name).toMatchObject({ code });
      expect(events[0]!.message, name).toMatch(message);
      expect((await detail(name)).instances[0]!.status, name).toBe('backoff');
      expect(
        daemon.output.some((l) => l.includes('WARN') && message.test(l)),
        `daemon log for ${name}`,
      ).toBe(true);
    }

    await waitFor(async () =>
      (await detail('quitter')).instances[0]!.status === 'failed'
        ? true
        : (await detail('quitter')).instances[0]!.status,
    );
    const quitter = (await detail('quitter')).instances[0]!;
    expect(quitter.reason).toMatch(
      /exited with code 1; exited 3 times within 60000ms \(max_restarts: 2\)/,
    );
    expect(quitter.stderr_tail).toContain('crashing now');

    await holdsFor(async () => {
      const healthy = await detail('healthy');
      return healthy.status === 'healthy' && healthy.instances[0]!.pid === healthyPid
        ? true
        : `healthy changed: ${JSON.stringify(healthy.instances)}`;
    }, 500);
    expect((await daemon.api('GET', '/health')).status).toBe(200);

    expect((await daemon.cli(['stop', 'missing'])).code).toBe(0);
    const start = await daemon.cli(['start', 'missing']);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/^error: binary_path .*no-such-binary does not exist$/);
    expect((await detail('missing')).instances).toEqual([]);
  });
});
