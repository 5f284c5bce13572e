import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_DIR,
  CONFIG_FILE,
  parse,
  problemAt,
  problemOf,
  problemsOf,
  yaml,
} from '../../test/fixtures/config/support.js';
import { ENV_OVERRIDES } from './env-overrides.js';

const FILE_VALUES = yaml`
  log_level: warn
  secrets:
    cloudflare:
      worker_url: https://auth.from-file.test
      private_key_path: ./keys/file.pem
      client_id: from-file
  github:
    cloudflare:
      worker_url: https://releases.from-file.test
      private_key_path: ./keys/file.pem
  tunnel:
    client_id: from-file
    worker_url: https://auth.from-file.test
    private_key_path: ./keys/file.pem
`;

describe('GOWINPROC_* environment overrides', () => {
  it('are exactly the five variables of the original gowinproc', () => {
    expect(Object.keys(ENV_OVERRIDES).sort()).toEqual([
      'GOWINPROC_AUTH_WORKER_URL',
      'GOWINPROC_CLIENT_ID',
      'GOWINPROC_LOG_LEVEL',
      'GOWINPROC_PRIVATE_KEY',
      'GOWINPROC_WEBHOOK_WORKER_URL',
    ]);
  });

  it('GOWINPROC_PRIVATE_KEY replaces every private_key_path, resolved like the file', () => {
    const config = parse(FILE_VALUES, { env: { GOWINPROC_PRIVATE_KEY: './keys/env.pem' } });
    const expected = join(CONFIG_DIR, 'keys', 'env.pem');
    expect(config.secrets.cloudflare.private_key_path).toBe(expected);
    expect(config.github.cloudflare.private_key_path).toBe(expected);
    expect(config.tunnel.private_key_path).toBe(expected);
  });

  it('GOWINPROC_AUTH_WORKER_URL replaces the secrets and tunnel worker URLs', () => {
    const config = parse(FILE_VALUES, {
      env: { GOWINPROC_AUTH_WORKER_URL: 'https://auth.from-env.test' },
    });
    expect(config.secrets.cloudflare.worker_url).toBe('https://auth.from-env.test');
    expect(config.tunnel.worker_url).toBe('https://auth.from-env.test');
    expect(config.github.cloudflare.worker_url).toBe('https://releases.from-file.test');
  });

  it('GOWINPROC_WEBHOOK_WORKER_URL replaces the github worker URL only', () => {
    const config = parse(FILE_VALUES, {
      env: { GOWINPROC_WEBHOOK_WORKER_URL: 'https://releases.from-env.test' },
    });
    expect(config.github.cloudflare.worker_url).toBe('https://releases.from-env.test');
    expect(config.secrets.cloudflare.worker_url).toBe('https://auth.from-file.test');
  });

  it('GOWINPROC_CLIENT_ID replaces the secrets and tunnel client ids', () => {
    const config = parse(FILE_VALUES, { env: { GOWINPROC_CLIENT_ID: 'from-env' } });
    expect(config.secrets.cloudflare.client_id).toBe('from-env');
    expect(config.tunnel.client_id).toBe('from-env');
  });

  it('GOWINPROC_LOG_LEVEL replaces log_level', () => {
    expect(parse(FILE_VALUES, { env: { GOWINPROC_LOG_LEVEL: 'debug' } }).log_level).toBe('debug');
  });

  it('also replaces keys written in the README schema', () => {
    const config = parse(
      yaml`
        manager:
          log_level: warn
        cloudflare:
          auth_worker:
            url: https://auth.from-file.test
            client_id: from-file
            private_key_path: ./keys/file.pem
          webhook_worker:
            url: https://releases.from-file.test
      `,
      {
        env: {
          GOWINPROC_LOG_LEVEL: 'error',
          GOWINPROC_AUTH_WORKER_URL: 'https://auth.from-env.test',
          GOWINPROC_WEBHOOK_WORKER_URL: 'https://releases.from-env.test',
          GOWINPROC_CLIENT_ID: 'from-env',
          GOWINPROC_PRIVATE_KEY: '/etc/gowinproc/env.pem',
        },
      },
    );
    expect(config.log_level).toBe('error');
    expect(config.secrets.cloudflare).toMatchObject({
      worker_url: 'https://auth.from-env.test',
      client_id: 'from-env',
      private_key_path: join('/etc/gowinproc/env.pem'),
    });
    expect(config.github.cloudflare.worker_url).toBe('https://releases.from-env.test');
  });

  it('set keys the file does not mention', () => {
    const config = parse('', {
      env: {
        GOWINPROC_AUTH_WORKER_URL: 'https://auth.from-env.test',
        GOWINPROC_CLIENT_ID: 'from-env',
      },
    });
    expect(config.secrets.cloudflare.worker_url).toBe('https://auth.from-env.test');
    expect(config.tunnel).toMatchObject({
      enabled: false,
      worker_url: 'https://auth.from-env.test',
      client_id: 'from-env',
    });
  });

  it('are ignored when set to the empty string', () => {
    const env = Object.fromEntries(Object.keys(ENV_OVERRIDES).map((name) => [name, '']));
    const config = parse(FILE_VALUES, { env });
    expect(config.log_level).toBe('warn');
    expect(config.secrets.cloudflare.client_id).toBe('from-file');
    expect(config.tunnel.worker_url).toBe('https://auth.from-file.test');
  });
});

describe('an invalid override names the variable', () => {
  it('GOWINPROC_LOG_LEVEL', () => {
    const problem = problemOf('', { env: { GOWINPROC_LOG_LEVEL: 'loud' } });
    expect(problem).toMatchObject({ file: CONFIG_FILE, key: 'log_level' });
    expect(problem.line).toBeUndefined();
    expect(problem.message).toContain('"loud"');
    expect(problem.message).toContain('(from environment variable GOWINPROC_LOG_LEVEL)');
  });

  it('GOWINPROC_AUTH_WORKER_URL, at each key it sets', () => {
    const problems = problemsOf('', { env: { GOWINPROC_AUTH_WORKER_URL: 'not a url' } });
    expect(problems.map((p) => p.key).sort()).toEqual([
      'secrets.cloudflare.worker_url',
      'tunnel.worker_url',
    ]);
    for (const problem of problems) {
      expect(problem.message).toContain('"not a url"');
      expect(problem.message).toContain('GOWINPROC_AUTH_WORKER_URL');
    }
  });

  it('GOWINPROC_WEBHOOK_WORKER_URL', () => {
    const problem = problemOf('', { env: { GOWINPROC_WEBHOOK_WORKER_URL: 'releases.acme.test' } });
    expect(problem.key).toBe('github.cloudflare.worker_url');
    expect(problem.message).toContain('GOWINPROC_WEBHOOK_WORKER_URL');
  });

  it('GOWINPROC_CLIENT_ID', () => {
    const problems = problemsOf('', { env: { GOWINPROC_CLIENT_ID: 'has space' } });
    expect(problems).toHaveLength(2);
    expect(problemAt(problems, 'secrets.cloudflare.client_id').message).toContain(
      'GOWINPROC_CLIENT_ID',
    );
    expect(problemAt(problems, 'tunnel.client_id').message).toContain('"has space"');
  });

  it('even when the file sets the same key under its README name', () => {
    const problems = problemsOf(
      yaml`
        manager:
          log_level: warn
        cloudflare:
          auth_worker:
            url: https://auth.from-file.test
      `,
      { env: { GOWINPROC_AUTH_WORKER_URL: 'not a url', GOWINPROC_LOG_LEVEL: 'loud' } },
    );
    expect(problems).toHaveLength(3);
    for (const problem of problems) {
      expect(problem.line).toBeUndefined();
      expect(problem.message).toMatch(/\(from environment variable GOWINPROC_\w+\)$/);
    }
    expect(problemAt(problems, 'log_level').message).toContain('GOWINPROC_LOG_LEVEL');
    expect(problemAt(problems, 'secrets.cloudflare.worker_url').message).toContain(
      'GOWINPROC_AUTH_WORKER_URL',
    );
  });

  it('is listed together with the problems of the file', () => {
    const problems = problemsOf('server:\n  port: huge\n', {
      env: { GOWINPROC_LOG_LEVEL: 'loud' },
    });
    expect(problems.map((p) => p.key).sort()).toEqual(['log_level', 'server.port']);
  });
});
