/**
 * The update RPCs of ProcessManager over a real native gRPC server, on an app whose updates are
 * the real machinery: the update service over the fake GitHub, the version store, the supervisor's
 * deploy port and the release hook, with instances that really run each release (a script that
 * starts the echo fixture, health-checked over gRPC).
 */
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ECHO_ASSET, ECHO_REPO, echoArchive } from '../../../test/helpers/echo-releases.js';
import { startUpdateRig } from '../../../test/helpers/update-rig.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { createApp, type UpdatesSource } from '../../app/index.js';
import { ProcessManager, type UpdateStatus } from '../../gen/proto/process_manager_pb.js';
import { systemClock } from '../../shared/index.js';
import { AuthPolicy } from '../auth/index.js';
import { ERROR_CODE_METADATA } from './grpc-status.js';
import { startGrpcServer } from './server.js';

const REPO = ECHO_REPO;

async function setup() {
  // echo: updated from acme/echo; ghost: a repository without releases; plain: no repository.
  const { config, github, githubClient, store, supervisor, service } =
    await startUpdateRig(`  - name: ghost
    repository: acme/ghost
    instances: 0
    min_instances: 0
    secrets: { enabled: false }
  - name: plain
    binary_path: ${process.execPath}
    instances: 0
    min_instances: 0
    secrets: { enabled: false }
`);
  // Counts the watches the edge holds: a cancelled WatchUpdate must let go of its own.
  const watches = { open: 0 };
  const source: UpdatesSource = {
    service: {
      update: (name, options) => service.update(name, options),
      rollback: (name, options) => service.rollback(name, options),
      status: (id) => service.status(id),
      current: (name) => service.current(name),
      watch: (id, listener) => {
        const unsubscribe = service.watch(id, listener);
        watches.open++;
        return () => {
          watches.open--;
          unsubscribe();
        };
      },
    },
    versions: store,
    latestRelease: (c) =>
      githubClient.latestRelease(c.repository!, { allowPrerelease: c.github.allow_prerelease }),
  };
  await supervisor.start();
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: Date.now(),
    version: '0.0.0-test',
    control: { reload: () => supervisor.reload(config), shutdown: () => undefined },
    updates: source,
  });
  const server = await startGrpcServer({
    app,
    config: () => supervisor.currentConfig(),
    auth: new AuthPolicy(config.server),
    onInternalError: (error) => {
      throw error;
    },
    host: '127.0.0.1',
    port: 0,
    closeGraceMs: 200,
  });
  onTestFinished(() => server.close());
  const client: Client<typeof ProcessManager> = createClient(
    ProcessManager,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }),
  );
  const versions = () =>
    supervisor
      .program('echo')
      .active()
      .map((i) => `${i.version}:${i.status}`);
  return { github, client, service, store, watches, versions };
}

async function failure(call: Promise<unknown> | (() => Promise<unknown>)): Promise<ConnectError> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('expected the call to fail');
}

/** Every status WatchUpdate sends until the stream ends by itself. */
async function watchAll(client: Client<typeof ProcessManager>, updateId: string) {
  const statuses: UpdateStatus[] = [];
  for await (const status of client.watchUpdate({ updateId })) statuses.push(status);
  return statuses;
}

describe.runIf(process.platform === 'linux')('update RPCs over a real gRPC server', () => {
  it('UpdateProcess installs the latest release, WatchUpdate follows it to completed, versions follow', async () => {
    const { github, client, versions } = await setup();
    github.publish(REPO, {
      tag: 'v1.0.0',
      body: 'First release',
      assets: [{ name: ECHO_ASSET, data: await echoArchive() }],
    });

    const before = await client.listAvailableUpdates({});
    const byName = new Map(before.updates.map((u) => [u.processName, u]));
    expect([...byName.keys()].sort()).toEqual(['echo', 'ghost']);
    expect(byName.get('echo')).toMatchObject({
      currentVersion: '',
      latestVersion: 'v1.0.0',
      releaseNotes: 'First release',
      upToDate: false,
    });
    expect(Date.parse(byName.get('echo')!.releaseDate)).toBeGreaterThan(0);
    // No release at all: nothing to say, never an invented version.
    expect(byName.get('ghost')).toMatchObject({ latestVersion: '', upToDate: false });
    expect(await client.getProcessVersion({ processName: 'echo' })).toMatchObject({
      processName: 'echo',
      currentVersion: '',
      latestVersion: 'v1.0.0',
      updateAvailable: true,
    });

    const started = await client.updateProcess({ processName: 'echo' });
    expect(started.success).toBe(true);
    expect(started.updateId).not.toBe('');
    expect(started.processes).toHaveLength(1);
    expect(started.processes[0]).toMatchObject({
      name: 'echo',
      currentVersion: '',
      targetVersion: 'v1.0.0',
      status: 'started',
    });

    const statuses = await watchAll(client, started.updateId);
    expect(statuses.length, statuses.map((s) => s.status).join()).toBeGreaterThanOrEqual(2);
    expect(statuses.at(-1)).toMatchObject({ status: 'completed', progress: 100 });
    for (const status of statuses) {
      expect(status.updateId).toBe(started.updateId);
      expect(status.processName).toBe('echo');
    }
    // Progress never goes back, even while a rolling deploy repeats its steps per instance.
    const progress = statuses.map((s) => s.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.every((p) => p >= 0 && p <= 100)).toBe(true);
    const times = statuses.map((s) => Number(s.timestamp));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThan(Date.now() - 60_000);
    // The first install: nothing ran before; the deploy starts the instances and waits until
    // they are ready before it is done.
    const phases = statuses.map((s) => s.status).filter((p, n, all) => p !== all[n - 1]);
    expect(phases).toEqual(expect.arrayContaining(['extracting', 'starting', 'health_check']));
    expect(phases.at(-2)).toBe('health_check');
    expect(phases.at(-1)).toBe('completed');

    // A late watcher: the final state at once, then the end of the stream.
    const late = await watchAll(client, started.updateId);
    expect(late.map((s) => [s.status, s.progress])).toEqual([['completed', 100]]);

    await waitFor(() => versions().join() === 'v1.0.0:healthy,v1.0.0:healthy' || versions().join());
    const info = await client.getProcessVersion({ processName: 'echo' });
    expect(info).toMatchObject({
      currentVersion: 'v1.0.0',
      latestVersion: 'v1.0.0',
      updateAvailable: false,
    });
    expect(info.instances.map((i) => i.version)).toEqual(['v1.0.0', 'v1.0.0']);
    expect(info.instances.every((i) => i.id.startsWith('echo-') && i.uptime >= 0n)).toBe(true);
    const after = await client.listAvailableUpdates({});
    expect(after.updates.find((u) => u.processName === 'echo')).toMatchObject({
      currentVersion: 'v1.0.0',
      upToDate: true,
    });
  });

  it('refuses a second update while one runs (ABORTED, update_in_progress), then rolls back', async () => {
    const { github, client, versions } = await setup();
    github.publish(REPO, {
      tag: 'v1.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive() }],
    });
    const first = await client.updateProcess({ processName: 'echo', version: 'v1.0.0' });
    expect((await watchAll(client, first.updateId)).at(-1)?.status).toBe('completed');

    // v2 takes 1.5 s to listen: the update is surely still running when the next calls arrive.
    github.publish(REPO, {
      tag: 'v2.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive({ readyDelayMs: 1500 }) }],
    });
    const second = await client.updateProcess({
      processName: 'echo',
      strategy: 'rolling',
      force: false,
    });
    expect(second.processes[0]).toMatchObject({
      currentVersion: 'v1.0.0',
      targetVersion: 'v2.0.0',
      status: 'started',
    });
    const busy = await failure(client.updateProcess({ processName: 'echo', version: 'v2.0.0' }));
    expect(busy.code).toBe(Code.Aborted);
    expect(busy.metadata.get(ERROR_CODE_METADATA)).toBe('update_in_progress');
    expect(busy.rawMessage).toContain(second.updateId);
    const busyRollback = await failure(client.rollbackProcess({ processName: 'echo' }));
    expect(busyRollback.code).toBe(Code.Aborted);
    expect((await watchAll(client, second.updateId)).at(-1)?.status).toBe('completed');
    expect((await client.getProcessVersion({ processName: 'echo' })).currentVersion).toBe('v2.0.0');

    const rollback = await client.rollbackProcess({ processName: 'echo' });
    expect(rollback).toMatchObject({
      success: true,
      processName: 'echo',
      fromVersion: 'v2.0.0',
      toVersion: 'v1.0.0',
    });
    expect(rollback.rollbackId).not.toBe('');
    expect(rollback.rollbackId).not.toBe(second.updateId);
    const statuses = await watchAll(client, rollback.rollbackId);
    expect(statuses.at(-1)).toMatchObject({ status: 'completed', processName: 'echo' });
    expect(statuses.some((s) => s.status === 'downloading')).toBe(false);
    await waitFor(() => versions().join() === 'v1.0.0:healthy,v1.0.0:healthy' || versions().join());
    const info = await client.getProcessVersion({ processName: 'echo' });
    expect(info).toMatchObject({
      currentVersion: 'v1.0.0',
      latestVersion: 'v2.0.0',
      updateAvailable: true,
    });
    // Back at v1, there is no installed version before it other than v2: roll forward by name.
    const forward = await client.rollbackProcess({ processName: 'echo', version: 'v2.0.0' });
    expect(forward).toMatchObject({ fromVersion: 'v1.0.0', toVersion: 'v2.0.0' });
    expect((await watchAll(client, forward.rollbackId)).at(-1)?.status).toBe('completed');
  });

  it('lets go of the watch when the client cancels WatchUpdate, while the update goes on', async () => {
    const { github, client, service, watches, versions } = await setup();
    github.publish(REPO, {
      tag: 'v1.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive() }],
    });
    await watchAll(client, (await client.updateProcess({ processName: 'echo' })).updateId);
    await waitFor(() => versions().join() === 'v1.0.0:healthy,v1.0.0:healthy' || versions().join());
    // v2 takes 1.5 s per instance to listen, and the rolling deploy waits for each.
    github.publish(REPO, {
      tag: 'v2.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive({ readyDelayMs: 1500 }) }],
    });
    const started = await client.updateProcess({ processName: 'echo' });
    const abort = new AbortController();
    const received: UpdateStatus[] = [];
    const reading = failure(async () => {
      for await (const status of client.watchUpdate(
        { updateId: started.updateId },
        { signal: abort.signal },
      )) {
        received.push(status);
        abort.abort();
      }
    });
    expect((await reading).code).toBe(Code.Canceled);
    expect(received).toHaveLength(1);
    await waitFor(() => (watches.open === 0 ? true : `${watches.open} watch(es) still open`));
    // The stream ended, the update did not.
    expect(service.current('echo')?.id).toBe(started.updateId);
    expect((await service.waitFor(started.updateId)).phase).toBe('completed');
    expect(watches.open).toBe(0);
  });

  it('UpdateAllProcesses starts what is behind, and reports up to date and failed processes', async () => {
    const { github, client } = await setup();
    github.publish(REPO, {
      tag: 'v1.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive() }],
    });
    const all = await client.updateAllProcesses({ strategy: 'immediate', timeout: 30 });
    // ghost has no release: its entry failed, so the whole answer is not a success.
    expect(all.success).toBe(false);
    const entries = new Map(all.processes.map((p) => [p.name, p]));
    expect([...entries.keys()].sort()).toEqual(['echo', 'ghost']);
    expect(entries.get('echo')).toMatchObject({
      currentVersion: '',
      targetVersion: 'v1.0.0',
      status: 'started',
    });
    expect(entries.get('echo')!.estimatedDuration).toBeGreaterThan(0);
    expect(entries.get('ghost')).toMatchObject({ targetVersion: '', status: 'failed' });
    expect(all.updateId).not.toBe('');
    expect(all.message).toMatch(/1 update\(s\) started, 0 up to date, 1 failed/);
    expect((await watchAll(client, all.updateId)).at(-1)?.status).toBe('completed');

    const again = await client.updateAllProcesses({});
    expect(again.updateId).toBe('');
    expect(again.processes.find((p) => p.name === 'echo')).toMatchObject({
      currentVersion: 'v1.0.0',
      targetVersion: 'v1.0.0',
      status: 'up_to_date',
    });

    const badStrategy = await failure(client.updateAllProcesses({ strategy: 'sideways' }));
    expect(badStrategy.code).toBe(Code.InvalidArgument);
    expect(badStrategy.rawMessage).toMatch(/strategy must be one of rolling/);
    const negative = await failure(client.updateAllProcesses({ healthCheckDelay: -1 }));
    expect(negative.code).toBe(Code.InvalidArgument);
    expect(negative.rawMessage).toMatch(/health_check_delay/);
  });

  it('answers bad requests with the right status codes and starts nothing', async () => {
    const { github, client, service } = await setup();
    github.publish(REPO, {
      tag: 'v1.0.0',
      assets: [{ name: ECHO_ASSET, data: await echoArchive() }],
    });
    const codeOf = async (call: () => Promise<unknown>) => {
      const error = await failure(call);
      return [Code[error.code], error.metadata.get(ERROR_CODE_METADATA)];
    };
    const watch = (updateId: string) => async () => {
      for await (const _ of client.watchUpdate({ updateId })) break;
    };
    expect(await codeOf(watch('no-such-update'))).toEqual(['NotFound', 'not_found']);
    expect(await codeOf(watch(''))).toEqual(['InvalidArgument', 'invalid_argument']);
    expect(await codeOf(watch('x'.repeat(201)))).toEqual(['InvalidArgument', 'invalid_argument']);
    for (const call of [
      () => client.updateProcess({ processName: 'nope' }),
      () => client.getProcessVersion({ processName: 'nope' }),
      () => client.rollbackProcess({ processName: 'nope' }),
    ])
      expect(await codeOf(call)).toEqual(['NotFound', 'process_not_found']);
    expect(await codeOf(() => client.updateProcess({ processName: '' }))).toEqual([
      'InvalidArgument',
      'invalid_argument',
    ]);
    expect(
      await codeOf(() => client.updateProcess({ processName: 'echo', version: 'v9' })),
    ).toEqual(['NotFound', 'release_not_found']);
    const longVersion = await failure(
      client.updateProcess({ processName: 'echo', version: 'v'.repeat(201) }),
    );
    expect(longVersion.code).toBe(Code.InvalidArgument);
    expect(longVersion.rawMessage).toMatch(/version is longer than 200/);
    const strategy = await failure(client.updateProcess({ processName: 'echo', strategy: 'x' }));
    expect(strategy.code).toBe(Code.InvalidArgument);
    const partial = await failure(client.updateProcess({ processName: 'echo', instances: [0] }));
    expect(partial.code).toBe(Code.InvalidArgument);
    expect(partial.rawMessage).toMatch(/only some instances/);
    expect(
      (await failure(client.updateProcess({ processName: 'echo', instances: [-1] }))).code,
    ).toBe(Code.InvalidArgument);
    const noRepository = await failure(client.updateProcess({ processName: 'plain' }));
    expect(noRepository.code).toBe(Code.InvalidArgument);
    expect(noRepository.rawMessage).toMatch(/plain has no repository/);
    const nothingBefore = await failure(client.rollbackProcess({ processName: 'echo' }));
    expect(nothingBefore.code).toBe(Code.InvalidArgument);
    expect(nothingBefore.rawMessage).toMatch(/no previous version/);
    expect(service.current('echo')).toBeUndefined();
    expect(github.requests.filter((r) => r.host === 'download')).toEqual([]);
  });
});
