import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../helpers/lines.js';
import { BIN, fixture } from '../helpers/paths.js';
import { closedPort } from '../helpers/ports.js';
import { portRange, runCli, startDaemon, writeConfig } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const config = (range = portRange()) => `
server: { port: 0, grpc_port: 0 }
processes:
  - name: web
    binary_path: ${fixture('http-service.mjs')}
    instances: 2
    max_instances: 4
    port_range: ${range}
    health_check: { type: http, endpoint: /health, interval: 1s }
  - name: env
    binary_path: ${fixture('print-env.mjs')}
    port_range: ${range}
    env: { FROM_CONFIG: config, OVERRIDDEN: config, PORT: "1" }
`;

interface StatusJson {
  processes: Array<{
    name: string;
    instances: Array<{ index: number; pid: number; status: string; port: number; id: string }>;
  }>;
}

describe('the gowinproc CLI against a running daemon', () => {
  it('shows status as a table and as JSON, and controls instances', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(dir, writeConfig(dir, config()));
    await waitFor(async () => {
      const result = await daemon.cli(['status', '--json']);
      const web = (JSON.parse(result.stdout) as StatusJson).processes.find(
        (p) => p.name === 'web',
      )!;
      return web.instances.filter((i) => i.status === 'healthy').length === 2
        ? true
        : JSON.stringify(web.instances.map((i) => i.status));
    });
    const table = await daemon.cli(['status']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^name\s+instance\s+id\s+state\s+pid\s+port\s+uptime\s+restarts\s+cpu\s+mem$/,
    );
    expect(table.stdout).toMatch(/\nweb\s+0\s+web-0-\w+\s+healthy\s+\d+\s+\d+\s+\d+s\s+0/);

    const started = await daemon.cli(['start', 'web']);
    expect(started).toMatchObject({ code: 0 });
    expect(started.stdout).toMatch(/^web: started instance 2 \(web-2-\w+\), pid \d+, port \d+$/);

    const scaled = await daemon.cli(['scale', 'web', '1', '--json']);
    expect(scaled.code).toBe(0);
    expect(JSON.parse(scaled.stdout)).toMatchObject({ process: { desired: 1, instance_count: 1 } });

    const tooMany = await daemon.cli(['scale', 'web', '9']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toBe('error: web cannot run 9 instances: max_instances is 4');

    await waitFor(async () =>
      (await daemon.api<{ ready_count: number }>('GET', '/api/v1/processes/web')).json
        .ready_count === 1
        ? true
        : 'not ready',
    );
    const before = (
      JSON.parse((await daemon.cli(['status', '--json'])).stdout) as StatusJson
    ).processes.find((p) => p.name === 'web')!.instances;
    const restarted = await daemon.cli(['restart', 'web']);
    expect(restarted).toMatchObject({ code: 0, stdout: 'web: restarted; 1/1 ready' });
    const after = (
      JSON.parse((await daemon.cli(['status', '--json'])).stdout) as StatusJson
    ).processes.find((p) => p.name === 'web')!.instances;
    expect(after.map((i) => i.pid)).not.toContain(before[0]!.pid);
    expect(pidAlive(before[0]!.pid)).toBe(false);

    const stopped = await daemon.cli(['stop', 'web', '--instance', String(after[0]!.index)]);
    expect(stopped).toMatchObject({ code: 0, stdout: `web: instance ${after[0]!.index} stopped` });
    const missing = await daemon.cli(['stop', 'nope']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'error: no process named "nope" is configured',
    });
  });

  it('prints and follows logs', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(dir, writeConfig(dir, config()));
    await waitFor(async () => {
      const logs = await daemon.cli(['logs', 'web', '-n', '20']);
      return /web\/0 .* ready \d+/.test(logs.stdout) && /web\/1 .* ready \d+/.test(logs.stdout)
        ? true
        : logs.stdout;
    });
    const one = await daemon.cli(['logs', 'web', '--instance', '1', '--json']);
    const lines = (
      JSON.parse(one.stdout) as { lines: Array<{ instance: number; stream: string; text: string }> }
    ).lines;
    expect(lines.every((l) => l.instance === 1)).toBe(true);
    expect(
      lines.some((l) => l.stream === 'sys' && /^started pid \d+ on port \d+$/.test(l.text)),
    ).toBe(true);

    const follower = execa(
      process.execPath,
      [BIN, 'logs', 'web', '-f', '-n', '1', '--url', daemon.url],
      { reject: false },
    );
    let followed = '';
    follower.stdout!.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    // The follower prints the last line first: from then on it is subscribed.
    await waitFor(() => (followed.trim() !== '' ? true : 'the follower printed nothing yet'));
    const started = await daemon.cli(['start', 'web']);
    expect(started.code).toBe(0);
    await waitFor(() =>
      /web\/2 .* ready \d+/.test(followed) ? true : `followed so far: ${followed}`,
    );
    follower.kill('SIGINT');
    await follower;
  });

  it('gives each child the daemon environment, then the config env, then the injected variables', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(dir, writeConfig(dir, config()), {
      env: { FROM_DAEMON: 'daemon', OVERRIDDEN: 'daemon' },
    });
    let env: Record<string, string> = {};
    await waitFor(async () => {
      const logs = await daemon.cli(['logs', 'env', '--json']);
      const line = (JSON.parse(logs.stdout) as { lines: Array<{ text: string }> }).lines.find((l) =>
        l.text.startsWith('env '),
      );
      if (!line) return 'no env line yet';
      env = JSON.parse(line.text.slice(4)) as Record<string, string>;
      return true;
    });
    const detail = await daemon.api<{ instances: Array<{ id: string; port: number }> }>(
      'GET',
      '/api/v1/processes/env',
    );
    const instance = detail.json.instances[0]!;
    expect(env).toMatchObject({
      FROM_DAEMON: 'daemon',
      FROM_CONFIG: 'config',
      OVERRIDDEN: 'config',
      PROCESS_NAME: 'env',
      PORT: String(instance.port),
      GRPC_PORT: String(instance.port),
      PROCESS_PORT: String(instance.port),
      INSTANCE_ID: instance.id,
      INSTANCE_INDEX: '0',
    });
  });

  it('reloads the config: valid changes apply, an invalid file changes nothing and says why', async () => {
    const dir = tempDir();
    const range = portRange();
    const path = writeConfig(dir, config(range));
    const daemon = await startDaemon(dir, path);
    const envPid = (
      await daemon.api<{ instances: Array<{ pid: number }> }>('GET', '/api/v1/processes/env')
    ).json.instances[0]!.pid;
    writeConfig(dir, `${config(range)}\n    helth_check: {}\n`);
    const bad = await daemon.cli(['reload']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /config\.yaml:\d+: processes\[1\]\.helth_check: unknown key "helth_check" \(did you mean "health_check"\?\)/,
    );
    writeConfig(
      dir,
      config(range).replace(
        / {2}- name: env[\s\S]*$/,
        `  - name: extra\n    binary_path: ${fixture('print-env.mjs')}\n    port_range: ${range}\n`,
      ),
    );
    const good = await daemon.cli(['reload']);
    expect(good).toMatchObject({ code: 0, stdout: 'config reloaded: added extra; removed env' });
    expect(pidAlive(envPid)).toBe(false);
    expect(
      (await daemon.api<{ processes: string[] }>('GET', '/api/v1/processes')).json.processes,
    ).toEqual(['extra', 'web']);
  });

  it('stops every instance in parallel on SIGTERM, then exits 0', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `
server: { port: 0, grpc_port: 0 }
processes:
  - name: stubborn
    binary_path: ${fixture('ignore-sigterm.mjs')}
    instances: 3
    max_instances: 3
    port_range: ${portRange()}
    stop: { timeout: 3s }
`,
      ),
    );
    await waitFor(async () => {
      // The fixtures print "ready" once their SIGTERM handler is installed.
      const logs = await daemon.api<{ lines: Array<{ text: string }> }>(
        'GET',
        '/api/v1/processes/stubborn/logs',
      );
      const ready = logs.json.lines.filter((l) => l.text === 'ready').length;
      return ready === 3 && daemon.ledgerPids().length === 3
        ? true
        : `${ready} ready, ${daemon.ledgerPids().length} in the ledger`;
    });
    const pids = daemon.ledgerPids();
    const started = Date.now();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exitCode).toBe(0);
    const took = Date.now() - started;
    expect(pids.every((pid) => !pidAlive(pid))).toBe(true);
    expect(took).toBeGreaterThanOrEqual(3000); // they ignored SIGTERM: SIGKILL after stop.timeout
    expect(took).toBeLessThan(7000); // three 3 s stops one after the other would take 9 s
    expect(daemon.output.filter((l) => l.includes('exitSignal=SIGKILL'))).toHaveLength(3);
    expect(daemon.output.some((l) => l.includes('every instance stopped; exiting'))).toBe(true);
  });

  it('refuses a second daemon on the same data directory, naming the holder', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, config());
    const daemon = await startDaemon(dir, path);
    const second = await runCli(
      ['run', '--config', path, '--data', `${dir}/data`, '--logs', `${dir}/logs`],
      { cwd: dir },
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `another gowinproc daemon (pid ${daemon.child.pid}) is already running on the data directory`,
    );
  });
});

describe('the gowinproc CLI without a daemon', () => {
  it('says clearly when no daemon is running', async () => {
    const port = await closedPort();
    const result = await runCli(['status', '--url', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: no gowinproc daemon answers at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); start one with "gowinproc run --config <file>"`,
      ),
    );
  });

  it('checks and prints config files, masking secrets', async () => {
    const dir = tempDir();
    const path = writeConfig(
      dir,
      `
github:
  token: ghp_very_secret_token_value
processes:
  - name: api
    binary_path: ./api
    env: { API_TOKEN: tok-123-secret, LEVEL: debug }
`,
    );
    expect(await runCli(['config', 'check', path])).toMatchObject({
      code: 0,
      stdout: `${path}: OK (1 process, 0 load balancers)`,
    });
    const printed = await runCli(['config', 'print', path]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('token: "********"');
    expect(printed.stdout).toContain('LEVEL: debug');
    expect(printed.stdout).not.toContain('ghp_very_secret_token_value');
    expect(printed.stdout).not.toContain('tok-123-secret');
    expect(printed.stdout).toContain(`binary_path: ${dir}/api`);

    const bad = writeConfig(
      dir,
      'processes:\n  - name: api\n    binary_path: ./api\n    instancs: 2\n    port: http\n',
    );
    const checked = await runCli(['config', 'check', bad]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(
      `${bad}:4: processes[0].instancs: unknown key "instancs" (did you mean "instances"?)`,
    );
    expect(checked.stderr).toContain(`${bad}:5: processes[0].port: invalid port "http"`);
  });
});
