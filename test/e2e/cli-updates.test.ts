/**
 * The update commands end to end: the built CLI against a real daemon whose GitHub is the fake
 * (releases are scripts that run the echo fixture, health-checked over gRPC). A followed update
 * shows its phases and exits 0; `versions` shows the history; a rollback goes back; a release
 * that never becomes healthy is rolled back and the CLI exits 1 saying so.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGithub } from '../fakes/github.js';
import { ECHO_ASSET, ECHO_REPO, echoArchive, echoProcessYaml } from '../helpers/echo-releases.js';
import { startDaemon, writeConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const REPO = ECHO_REPO;

interface VersionJson {
  current_version: string;
  previous_version: string;
  instances: Array<{ version: string }>;
  history: Array<{ version: string; active: boolean; previous: boolean }>;
}

/** Every instance of echo runs `version` and is ready. */
async function allRun(daemon: DaemonProcess, version: string): Promise<void> {
  await waitFor(
    async () => {
      const { json } = await daemon.api<VersionJson>('GET', '/api/v1/processes/echo/version');
      const versions = json.instances.map((i) => i.version);
      const ready = (await daemon.api<{ ready_count: number }>('GET', '/api/v1/processes/echo'))
        .json.ready_count;
      return (
        (versions.length === 2 && versions.every((v) => v === version) && ready === 2) ||
        `${versions.join()} (${ready} ready)`
      );
    },
    { timeoutMs: 20_000 },
  );
}

describe.runIf(process.platform === 'linux')('gowinproc update, versions and rollback', () => {
  it('updates with --follow, shows versions, rolls back, and exits 1 on a rolled-back update', async () => {
    const dir = tempDir();
    const github = await startFakeGithub();
    onTestFinished(() => github.close());
    const publish = async (tag: string, unhealthy = false) =>
      github.publish(REPO, {
        tag,
        assets: [{ name: ECHO_ASSET, data: await echoArchive(unhealthy ? 'unhealthy' : 'good') }],
      });
    await publish('v1.0.0');
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `server: { port: 0, grpc_port: 0 }
github:
  api_url: ${github.apiUrl}
  update_mode: { polling: { enabled: false }, webhook: { enabled: false } }
processes:
${echoProcessYaml()}`,
      ),
    );

    // First install (nothing runs before it: no binary_path), followed; output is not a TTY.
    const first = await daemon.cli(['update', 'echo', '--follow']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout.split('\n');
    expect(lines[0]).toMatch(/^echo: update \S+ started: binary_path → (v1\.0\.0|latest)$/);
    // The CLI subscribes once the update has started: a small download may be over by then.
    expect(first.stdout).toMatch(/\n\[\s*\d+%\] (downloading|verifying|extracting|starting): /);
    expect(first.stdout).toMatch(/\n\[100%\] completed: /);
    expect(lines.at(-1)).toMatch(/^echo: update binary_path → v1\.0\.0 completed in \d+\.\ds$/);
    expect(first.stdout).not.toContain('\r');
    expect(first.stdout).not.toContain('\x1b');
    await allRun(daemon, 'v1.0.0');

    await publish('v2.0.0');
    const second = await daemon.cli([
      'update',
      'echo',
      '--version',
      'v2.0.0',
      '--strategy',
      'rolling',
      '--follow',
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.split('\n')[0]).toMatch(/^echo: update \S+ started: v1\.0\.0 → v2\.0\.0$/);
    for (const phase of ['starting', 'health check', 'draining', 'completed'])
      expect(second.stdout).toContain(`] ${phase}: `);
    await allRun(daemon, 'v2.0.0');

    const versions = await daemon.cli(['versions', 'echo']);
    expect(versions.code).toBe(0);
    expect(versions.stdout).toContain(
      `echo  (${REPO})\n  current   v2.0.0\n  previous  v1.0.0\n  latest    v2.0.0  up to date\n`,
    );
    expect(versions.stdout).toMatch(/\nv1\.0\.0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+previous\s/);
    expect(versions.stdout).toMatch(/\nv2\.0\.0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+current\s/);
    expect(versions.stdout).toMatch(/\necho-\d-\w+\s+v2\.0\.0\s+\d+/);
    const asJson = JSON.parse(
      (await daemon.cli(['versions', 'echo', '--json'])).stdout,
    ) as VersionJson;
    expect(asJson).toMatchObject({ current_version: 'v2.0.0', previous_version: 'v1.0.0' });
    expect(asJson.history.map((h) => h.version).sort()).toEqual(['v1.0.0', 'v2.0.0']);

    const back = await daemon.cli(['rollback', 'echo', '--follow']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout.split('\n')[0]).toMatch(/^echo: rollback \S+ started: v2\.0\.0 → v1\.0\.0$/);
    expect(back.stdout.trim().split('\n').at(-1)).toMatch(
      /^echo: rollback v2\.0\.0 → v1\.0\.0 completed in /,
    );
    await allRun(daemon, 'v1.0.0');

    await publish('v3.0.0', true);
    const broken = await daemon.cli(['update', 'echo', '--follow']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/\n\[100%\] rolled back: /);
    expect(broken.stderr).toMatch(/^error: echo: update to v3\.0\.0 was rolled back: .*v1\.0\.0/);
    await allRun(daemon, 'v1.0.0');

    const available = await daemon.cli(['updates']);
    expect(available.code).toBe(0);
    expect(available.stdout).toMatch(
      /\necho\s+v1\.0\.0\s+v3\.0\.0\s+\d{4}-\d\d-\d\d\s+update available/,
    );
  }, 120_000);
});
