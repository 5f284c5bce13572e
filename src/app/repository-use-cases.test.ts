import { beforeEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../test/helpers/config.js';
import { tempDir } from '../../test/helpers/temp-dir.js';
import type { Config } from '../config/index.js';
import { FakeClock } from '../shared/index.js';
import { RepositoryUseCases } from './repository-use-cases.js';

const YAML = `
processes:
  - { name: a, repository: owner/zeta }
  - { name: b, binary_path: /bin/b }
  - { name: c, repository: Owner/Alpha }
  - { name: d, repository: owner/zeta }
`;

describe('RepositoryUseCases', () => {
  let config: Config;
  beforeEach(() => {
    config = configFromYaml(tempDir(), YAML);
  });

  it('lists the configured repositories, sorted and each once', async () => {
    const repos = new RepositoryUseCases({ config: () => config });
    expect(await repos.list()).toEqual(['Owner/Alpha', 'owner/zeta']);
  });

  it('adds the worker list, case-insensitively unique, the configured spelling first', async () => {
    const repos = new RepositoryUseCases({
      config: () => config,
      fetchRepoList: () => Promise.resolve(['OWNER/ZETA', 'other/beta', ' ', 'other/beta']),
    });
    expect(await repos.list()).toEqual(['other/beta', 'Owner/Alpha', 'owner/zeta']);
  });

  it('keeps answering with the configured ones when the worker fails or has no list', async () => {
    const failing = new RepositoryUseCases({
      config: () => config,
      fetchRepoList: () => Promise.reject(new Error('worker down')),
    });
    expect(await failing.list()).toEqual(['Owner/Alpha', 'owner/zeta']);
    const none = new RepositoryUseCases({
      config: () => config,
      fetchRepoList: () => Promise.resolve(undefined),
    });
    expect(await none.list()).toEqual(['Owner/Alpha', 'owner/zeta']);
  });

  it('shares one worker call between concurrent lists and reuses it within the cache time', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const repos = new RepositoryUseCases({
      config: () => config,
      clock,
      cacheMs: 1000,
      fetchRepoList: () => {
        calls++;
        return Promise.resolve([`worker/n${calls}`]);
      },
    });
    const [first, second] = await Promise.all([repos.list(), repos.list()]);
    expect(first).toEqual(second);
    expect(calls).toBe(1);
    await clock.advance(999);
    expect(await repos.list()).toContain('worker/n1');
    await clock.advance(1);
    expect(await repos.list()).toContain('worker/n2');
    expect(calls).toBe(2);
  });
});
