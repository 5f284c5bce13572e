/**
 * Hot deploys over real instances without the daemon: the fake GitHub, a version store, a real
 * supervisor whose instances run the installed release (releaseHook), and the update service
 * deploying through it. The supervisor is not started: the test starts it when it is ready.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { NodeProcessDriver, Supervisor } from '../../src/core/index.js';
import {
  GithubClient,
  releaseHook,
  supervisorDeployPort,
  UpdateService,
  VersionStore,
} from '../../src/services/updates/index.js';
import { systemClock } from '../../src/shared/index.js';
import { startFakeGithub } from '../fakes/github.js';
import { configFromYaml } from './config.js';
import { echoProcessYaml } from './echo-releases.js';
import { tempDir } from './temp-dir.js';

/** `extraProcesses`: YAML of more `processes:` entries after the echo process. */
export async function startUpdateRig(extraProcesses = '') {
  const dir = tempDir();
  const github = await startFakeGithub();
  onTestFinished(() => github.close());
  const binaries = join(dir, 'binaries');
  mkdirSync(binaries);
  const config = configFromYaml(
    dir,
    `
paths: { binaries: binaries }
processes:
${echoProcessYaml()}${extraProcesses}`,
  );
  const store = new VersionStore({
    file: join(dir, 'data', 'versions.json'),
    binariesDir: binaries,
    clock: systemClock,
  });
  await store.load();
  const supervisor = new Supervisor({
    config,
    driver: new NodeProcessDriver(),
    hooks: [releaseHook(store)],
    platform: 'linux',
  });
  onTestFinished(() => supervisor.shutdown());
  const githubClient = new GithubClient({ apiUrl: github.apiUrl, clock: systemClock });
  const service = new UpdateService({
    github: githubClient,
    store,
    deploy: supervisorDeployPort(supervisor),
    binariesDir: binaries,
    clock: systemClock,
    platform: 'linux',
    arch: process.arch,
  });
  return { dir, config, github, githubClient, store, supervisor, service };
}
