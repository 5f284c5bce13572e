import { describe, expect, it } from 'vitest';
import { errorOf, parse, problemOf, yaml } from '../../test/fixtures/config/support.js';
import type { ConfigProblem } from './index.js';
import { isSecretEnvName, isSecretPath } from './secret-paths.js';

describe('isSecretPath', () => {
  it.each([
    [['github', 'token']],
    [['github', 'update_mode', 'webhook', 'secret']],
    [['server', 'auth', 'jwt', 'secret']],
    [['server', 'auth', 'api_keys', 0, 'key']],
    [['server', 'auth', 'api_keys', 3, 'key']],
    [['processes', 0, 'github', 'token']],
    [['processes', 2, 'env', 'DB_PASSWORD']],
    [['processes', 0, 'env', 'API_TOKEN']],
    [['processes', 0, 'env', 'aws_secret_access_key']],
  ])('%j holds a secret', (path) => {
    expect(isSecretPath(path)).toBe(true);
  });

  it.each([
    [['github', 'api_url']],
    [['server', 'auth', 'api_keys', 0, 'key_sha256']],
    [['server', 'auth', 'api_keys', 0, 'name']],
    [['server', 'auth', 'jwt', 'public_key']],
    [['secrets', 'cloudflare', 'private_key_path']],
    [['processes', 0, 'env', 'SERVICE_NAME']],
    [['processes', 0, 'env', 'LOG_LEVEL']],
    [['processes', 0, 'env']],
    [['processes', 0, 'secrets_keys', 0]],
  ])('%j does not', (path) => {
    expect(isSecretPath(path)).toBe(false);
  });
});

describe('isSecretEnvName', () => {
  it.each([
    'DB_PASSWORD',
    'DB_PASS',
    'GITHUB_TOKEN',
    'JWT_SECRET',
    'STRIPE_KEY',
    'PRIVATE_PEM',
    'AUTH_HEADER',
    'SENTRY_DSN',
    'session_cookie',
  ])('%s looks secret', (name) => {
    expect(isSecretEnvName(name)).toBe(true);
  });

  it.each(['SERVICE_NAME', 'LOG_LEVEL', 'DB_HOST', 'PORT', 'HTTP_PORT', 'NODE_ENV', 'REGION'])(
    '%s does not',
    (name) => {
      expect(isSecretEnvName(name)).toBe(false);
    },
  );
});

describe('error messages never contain a secret value', () => {
  /** Each value is wrong in type or form, so the loader must report it without echoing it. */
  it.each<[string, string, string, number]>([
    ['github.token', 'github:\n  token: 424242424242\n', '424242424242', 2],
    [
      'github.update_mode.webhook.secret',
      'github:\n  update_mode:\n    webhook:\n      secret: 8675309867530\n',
      '8675309867530',
      4,
    ],
    [
      'server.auth.api_keys[0].key',
      'server:\n  auth:\n    api_keys:\n      - name: ops\n        key: tooshort-s3cr\n',
      'tooshort-s3cr',
      5,
    ],
    [
      'server.auth.jwt.secret',
      'server:\n  auth:\n    jwt:\n      secret: 31415926535897\n',
      '31415926535897',
      4,
    ],
    [
      'processes[0].github.token',
      'processes:\n  - name: a\n    binary_path: ./a\n    github:\n      token: 27182818284590\n',
      '27182818284590',
      5,
    ],
    [
      'processes[0].env.DB_PASSWORD',
      'processes:\n  - name: a\n    binary_path: ./a\n    env:\n      DB_PASSWORD: { nested: hunter2-in-a-map }\n',
      'hunter2-in-a-map',
      5,
    ],
  ])('%s', (key, text, secret, line) => {
    const error = errorOf(() => parse(text));
    const problems = error.details['problems'] as ConfigProblem[];
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({
      file: expect.any(String) as unknown,
      line,
      key,
      message: 'invalid value (not shown: this key holds a secret)',
    });
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.details)).not.toContain(secret);
  });

  it('does not echo a secret that came from ${VAR} either', () => {
    const error = errorOf(() =>
      parse('github:\n  token: [${GITHUB_TOKEN}]\n', { env: { GITHUB_TOKEN: 'ghp_from_env_42' } }),
    );
    expect(error.message).not.toContain('ghp_from_env_42');
  });

  it('still echoes bad values of keys next to secrets that hold none', () => {
    const problem = problemOf(yaml`
      github:
        token: ghp_fine_token
        api_url: not-a-url-but-visible
    `);
    expect(problem.key).toBe('github.api_url');
    expect(problem.message).toContain('"not-a-url-but-visible"');
  });
});
