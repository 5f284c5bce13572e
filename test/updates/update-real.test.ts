/**
 * Hot deploys against real processes: releases published on the fake GitHub (each a script that
 * runs the echo fixture, health-checked over gRPC) reach every instance through the update
 * service and the supervisor's rolling deploy, never with fewer ready instances than before; a
 * release that never becomes healthy (v3) is rolled back automatically to the one before.
 */
import { describe, expect, it } from 'vitest';
import { ECHO_ASSET, ECHO_REPO, echoArchive } from '../helpers/echo-releases.js';
import { startUpdateRig } from '../helpers/update-rig.js';
import { waitFor } from '../helpers/wait-for.js';

const REPO = ECHO_REPO;

describe.runIf(process.platform === 'linux')('hot deploys to real instances', () => {
  it('rolls v1 → v2 out one instance at a time, and rolls a v3 that fails health back to v2', async () => {
    const { github, store, supervisor, service: updates } = await startUpdateRig();
    const program = () => supervisor.program('echo');
    const versions = () =>
      program()
        .instances()
        .map((i) => `${i.version}:${i.status}`);

    github.publish(REPO, {
      tag: 'v1.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive() }],
    });
    // First install: there is no binary_path, so nothing runs until v1 is installed.
    await supervisor.start();
    const first = await updates.waitFor((await updates.update('echo')).id);
    expect(first.phase).toBe('completed');
    await waitFor(
      () => {
        const v = versions();
        return (v.length === 2 && v.every((s) => s === 'v1.0.0:healthy')) || v.join(', ');
      },
      { timeoutMs: 20_000 },
    );

    github.publish(REPO, {
      tag: 'v2.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive() }],
    });
    let minReady = Infinity;
    supervisor.events.subscribe(() => (minReady = Math.min(minReady, program().ready().length)));
    const second = await updates.waitFor(
      (await updates.update('echo', { strategy: 'rolling' })).id,
    );
    expect(second.phase).toBe('completed');
    expect(versions()).toEqual(['v2.0.0:healthy', 'v2.0.0:healthy']);
    expect(minReady).toBeGreaterThanOrEqual(2);

    github.publish(REPO, {
      tag: 'v3.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive('unhealthy') }],
    });
    const third = await updates.waitFor(
      (await updates.update('echo', { readyTimeoutMs: 4000 })).id,
    );
    expect(third.phase).toBe('rolled_back');
    expect(store.get('echo').current?.version).toBe('v2.0.0');
    await waitFor(
      () => {
        const v = versions();
        return (v.length === 2 && v.every((s) => s === 'v2.0.0:healthy')) || v.join(', ');
      },
      { timeoutMs: 20_000 },
    );
  });
});
