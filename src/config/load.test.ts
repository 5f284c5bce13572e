import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_FILE,
  errorOf,
  parse,
  problemOf,
  problemsOf,
  yaml,
} from '../../test/fixtures/config/support.js';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { DaemonError } from '../shared/index.js';
import type { ConfigProblem } from './index.js';
import { loadConfigFile } from './load.js';

async function rejection(promise: Promise<unknown>): Promise<DaemonError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DaemonError);
  return error as DaemonError;
}

describe('loadConfigFile', () => {
  it('reads the file and resolves relative paths against its directory', async () => {
    const dir = tempDir();
    const file = join(dir, 'site', 'gowinproc.yaml');
    mkdirSync(join(dir, 'site'));
    writeFileSync(
      file,
      yaml`
        paths:
          data: ./state
        processes:
          - name: api
            binary_path: ./bin/api
            work_dir: ../work
      `,
    );
    const config = await loadConfigFile(file, { env: {} });
    expect(config.source).toBe(file);
    expect(config.paths.data).toBe(join(dir, 'site', 'state'));
    expect(config.paths.logs).toBe(join(dir, 'site', 'logs'));
    const proc = config.processes[0]!;
    expect(proc.binary_path).toBe(join(dir, 'site', 'bin', 'api'));
    expect(proc.work_dir).toBe(join(dir, 'work'));
    expect(proc.secrets.env_file).toBe(join(dir, 'site', 'state', 'api.env'));
  });

  it('accepts a path relative to the working directory and records it absolute', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'log_level: warn\n');
    const config = await loadConfigFile(relative(process.cwd(), file), { env: {} });
    expect(config.source).toBe(file);
    expect(config.log_level).toBe('warn');
  });

  it('resolves against baseDir when one is given', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'paths:\n  data: ./state\n');
    const base = join(dir, 'elsewhere');
    const config = await loadConfigFile(file, { env: {}, baseDir: base });
    expect(config.paths.data).toBe(join(base, 'state'));
    expect(config.source).toBe(file);
  });

  it('lets command-line paths replace paths.*', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'paths:\n  data: ./state\n  logs: ./logs\n');
    const data = join(dir, 'cli-data');
    const config = await loadConfigFile(file, { env: {}, paths: { data } });
    expect(config.paths.data).toBe(data);
    expect(config.paths.logs).toBe(join(dir, 'logs'));
  });

  it('uses the environment it is given for ${VAR} and GOWINPROC_*', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'server:\n  port: ${PORT}\n');
    const config = await loadConfigFile(file, {
      env: { PORT: '9010', GOWINPROC_LOG_LEVEL: 'trace' },
    });
    expect(config.server.port).toBe(9010);
    expect(config.log_level).toBe('trace');
  });

  it('reports a missing file as config_not_found, naming it', async () => {
    const file = join(tempDir(), 'absent.yaml');
    const error = await rejection(loadConfigFile(file, { env: {} }));
    expect(error.code).toBe('config_not_found');
    expect(error.message).toBe(`config file ${file} does not exist`);
    expect(error.details).toEqual({ file });
  });

  it('reports a directory as unreadable', async () => {
    const dir = tempDir();
    const error = await rejection(loadConfigFile(dir, { env: {} }));
    expect(error.code).toBe('config_not_found');
    expect(error.message).toContain(`config file ${dir} cannot be read (EISDIR)`);
  });

  it('names the file in every problem of an invalid file', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'server:\n  prot: 1\nlog_level: loud\n');
    const error = await rejection(loadConfigFile(file, { env: {} }));
    expect(error.code).toBe('config_invalid');
    const problems = error.details['problems'] as ConfigProblem[];
    expect(problems).toEqual([
      { file, line: 2, key: 'server.prot', message: 'unknown key "prot" (did you mean "port"?)' },
      { file, line: 3, key: 'log_level', message: expect.stringContaining('"loud"') as unknown },
    ]);
    expect(error.details['file']).toBe(file);
    expect(error.message).toContain(`${file}:2: server.prot: unknown key "prot"`);
  });
});

describe('reporting problems', () => {
  it('throws one config_invalid DaemonError listing every problem at once', () => {
    const text = yaml`
      sever:
        port: 8080
      log_level: loud
      metrics:
        interval: soon
      processes:
        - name: api
          binary_path: ./api
          helth_check:
            endpoint: /health
          port: 99999
          env:
            MODE: [a]
      manager:
        api_prot: 1
    `;
    const error = errorOf(() => parse(text));
    expect(error.code).toBe('config_invalid');
    const problems = error.details['problems'] as ConfigProblem[];
    expect(problems.map((p) => [p.line, p.key])).toEqual([
      [1, 'sever'],
      [3, 'log_level'],
      [5, 'metrics.interval'],
      [9, 'processes[0].helth_check'],
      [11, 'processes[0].port'],
      [13, 'processes[0].env.MODE'],
      [15, 'manager.api_prot'],
    ]);
    for (const problem of problems) {
      expect(problem.file).toBe(CONFIG_FILE);
      expect(typeof problem.message).toBe('string');
    }
    expect(error.message.split('\n')[0]).toBe(`${CONFIG_FILE}: 7 problems:`);
    expect(error.message).toContain(
      `  ${CONFIG_FILE}:9: processes[0].helth_check: unknown key "helth_check" (did you mean "health_check"?)`,
    );
    expect(error.message).toContain(`  ${CONFIG_FILE}:11: processes[0].port: invalid port 99999`);
  });

  it('says "1 problem" for one', () => {
    const error = errorOf(() => parse('log_level: loud\n'));
    expect(error.message.split('\n')[0]).toBe(`${CONFIG_FILE}: 1 problem:`);
  });

  it('reports an unknown key at the line of the key, not of its value', () => {
    const problem = problemOf(yaml`
      server:
        port: 8080
      processes:
        - name: api
          binary_path: ./api
          helth_check:

            endpoint: /health
    `);
    expect(problem).toMatchObject({ line: 6, key: 'processes[0].helth_check' });
  });

  it('reports one problem per unknown key, even in the same mapping', () => {
    const problems = problemsOf('server:\n  prot: 1\n  hots: x\n  colour: blue\n');
    expect(problems.map((p) => [p.line, p.key])).toEqual([
      [2, 'server.prot'],
      [3, 'server.hots'],
      [4, 'server.colour'],
    ]);
  });

  it.each([
    ['a list', '- server\n- processes\n'],
    ['a scalar', 'just text\n'],
  ])('rejects a file that is %s instead of a mapping', (_label, text) => {
    expect(problemOf(text)).toMatchObject({
      file: CONFIG_FILE,
      line: 1,
      key: '(root)',
      message: expect.stringContaining('must be a YAML mapping') as unknown,
    });
  });
});

describe('YAML syntax', () => {
  it.each([
    ['an unterminated flow sequence', 'server:\n  host: x\n  port: [1\nlog_level: info\n', 4],
    ['tab indentation', 'server:\n\tport: 1\n', 2],
    ['a mapping nested in a plain value', 'server:\n  host: x\n    port: 1\n', 2],
    // The closing quote is missed where the file ends.
    ['an unterminated quote', 'log_level: info\nserver:\n  host: "abc\n', 4],
  ])('reports %s with its line', (_label, text, line) => {
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: CONFIG_FILE, key: '(yaml)', line });
    for (const problem of problems) expect(problem.line).toEqual(expect.any(Number));
  });

  it('rejects a duplicate key, at the line of the second one', () => {
    const problem = problemOf('server:\n  port: 8080\n  host: x\n  port: 9090\n');
    expect(problem).toMatchObject({
      file: CONFIG_FILE,
      line: 4,
      key: '(yaml)',
      message: expect.stringContaining('unique') as unknown,
    });
  });

  it('rejects a duplicate process field', () => {
    const problem = problemOf('processes:\n  - name: a\n    binary_path: ./a\n    name: b\n');
    expect(problem).toMatchObject({ line: 4, key: '(yaml)' });
  });

  it('keeps syntax messages to one line that does not quote the file', () => {
    const problem = problemOf('github:\n  token: "ghp_unterminated_secret\n');
    expect(problem.message).not.toContain('\n');
    expect(problem.message).not.toContain('ghp_unterminated_secret');
  });
});
