import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONFIG_FILE, parse, problemOf, yaml } from '../../test/fixtures/config/support.js';
import { expandString, expandValue } from './expand.js';
import { ENV_OVERRIDES } from './env-overrides.js';
import { parseConfig } from './load.js';

describe('expandString', () => {
  const env = { HOST: 'db.internal', PORT: '5432', EMPTY: '' };

  it.each([
    ['${HOST}', 'db.internal'],
    ['postgres://${HOST}:${PORT}/app', 'postgres://db.internal:5432/app'],
    ['${MISSING}', ''],
    ['a-${MISSING}-b', 'a--b'],
    ['${EMPTY}', ''],
  ])('${VAR}: %j -> %j', (text, expected) => {
    expect(expandString(text, env)).toBe(expected);
  });

  it.each([
    ['${HOST:-fallback}', 'db.internal'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${MISSING:-}', ''],
    ['${MISSING:-http://localhost:8080/x}', 'http://localhost:8080/x'],
  ])('${VAR:-default} uses the default when unset or empty: %j -> %j', (text, expected) => {
    expect(expandString(text, env)).toBe(expected);
  });

  it.each([
    ['${HOST-fallback}', 'db.internal'],
    ['${MISSING-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
  ])('${VAR-default} uses the default only when unset: %j -> %j', (text, expected) => {
    expect(expandString(text, env)).toBe(expected);
  });

  it.each([
    ['$${HOST}', '${HOST}'],
    ['cost: $$${PORT}', 'cost: $${PORT}'],
    ['$${HOST} is ${HOST}', '${HOST} is db.internal'],
    ['a$$b', 'a$$b'],
    ['$HOST', '$HOST'],
    ['${1NOT_A_NAME}', '${1NOT_A_NAME}'],
    ['${HOST', '${HOST'],
  ])('leaves literal text alone: %j -> %j', (text, expected) => {
    expect(expandString(text, env)).toBe(expected);
  });
});

describe('expandValue', () => {
  it('expands strings inside lists and nested mappings, and leaves other scalars alone', () => {
    expect(
      expandValue({ a: ['${X}', 1, true, null], b: { c: 'x=${X}', d: 2.5 } }, { X: 'value' }),
    ).toEqual({ a: ['value', 1, true, null], b: { c: 'x=value', d: 2.5 } });
  });

  it('does not expand keys', () => {
    expect(expandValue({ '${X}': 'v' }, { X: 'value' })).toEqual({ '${X}': 'v' });
  });

  it('drops a mapping value that is only a reference to an unset or empty variable', () => {
    expect(
      expandValue(
        { unset: '${NOPE}', empty: '${EMPTY}', dflt: '${NOPE:-}', set: '${X}', text: 'a${NOPE}' },
        { X: 'value', EMPTY: '' },
      ),
    ).toEqual({ set: 'value', text: 'a' });
  });

  it('keeps list items that expand to nothing (a list has no "absent" item)', () => {
    expect(expandValue({ args: ['${NOPE}', 'x'] }, {})).toEqual({ args: ['', 'x'] });
  });

  it('keeps a mapping value whose reference has a non-empty default', () => {
    expect(expandValue({ a: '${NOPE:-d}', b: '${NOPE-d}' }, {})).toEqual({ a: 'd', b: 'd' });
  });
});

describe('expansion while loading', () => {
  it('expands every string value in the file before validation', () => {
    const config = parse(
      yaml`
        server:
          host: \${BIND:-0.0.0.0}
          port: \${HTTP_PORT}
          auth: { insecure: true }
        processes:
          - name: api
            binary_path: \${APP_HOME}/bin/api
            args: [--db, "postgres://\${DB_HOST}/app"]
            env:
              REGION: \${REGION-eu-west-1}
              LITERAL: "$\${NOT_EXPANDED}"
      `,
      { env: { HTTP_PORT: '9000', APP_HOME: '/opt/app', DB_HOST: 'db1', NOT_EXPANDED: 'oops' } },
    );
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port).toBe(9000);
    const proc = config.processes[0]!;
    expect(proc.binary_path).toBe('/opt/app/bin/api');
    expect(proc.args).toEqual(['--db', 'postgres://db1/app']);
    expect(proc.env).toEqual({ REGION: 'eu-west-1', LITERAL: '${NOT_EXPANDED}' });
  });

  it('treats github.token: ${GITHUB_TOKEN} as absent when the variable is unset', () => {
    const text = yaml`
      github:
        token: \${GITHUB_TOKEN}
        update_mode:
          webhook:
            secret: \${GITHUB_WEBHOOK_SECRET}
    `;
    const config = parse(text);
    expect('token' in config.github).toBe(false);
    expect('secret' in config.github.update_mode.webhook).toBe(false);

    const set = parse(text, { env: { GITHUB_TOKEN: 'ghp_abc', GITHUB_WEBHOOK_SECRET: 'whsec' } });
    expect(set.github.token).toBe('ghp_abc');
    expect(set.github.update_mode.webhook.secret).toBe('whsec');
  });

  it('treats an empty variable the same as an unset one for a whole-value reference', () => {
    const config = parse('github:\n  token: ${GITHUB_TOKEN}\n', { env: { GITHUB_TOKEN: '' } });
    expect('token' in config.github).toBe(false);
  });

  it('lets the default apply when a whole-value reference is unset', () => {
    const config = parse('server:\n  host: ${GWP_HOST}\n  port: ${GWP_PORT}\n');
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.port).toBe(8080);
  });

  it('treats a per-process github.token reference as absent when unset', () => {
    const config = parse(yaml`
      processes:
        - name: api
          binary_path: ./api
          github:
            token: \${API_REPO_TOKEN}
    `);
    expect('token' in config.processes[0]!.github).toBe(false);
  });

  it('does not expand keys', () => {
    const config = parse(
      yaml`
        processes:
          - name: api
            binary_path: ./api
            env:
              \${NAME}: value
      `,
      { env: { NAME: 'EXPANDED' } },
    );
    expect(config.processes[0]!.env).toEqual({ '${NAME}': 'value' });
  });

  it('reports the expanded (bad) value, at the line of the reference', () => {
    const problem = problemOf('server:\n  port: ${HTTP_PORT}\n', { env: { HTTP_PORT: 'eighty' } });
    expect(problem).toMatchObject({ file: CONFIG_FILE, line: 2, key: 'server.port' });
    expect(problem.message).toContain('"eighty"');
  });

  describe('without an env option', () => {
    afterEach(() => {
      vi.unstubAllEnvs();
    });

    it('reads process.env', () => {
      for (const name of Object.keys(ENV_OVERRIDES)) vi.stubEnv(name, '');
      vi.stubEnv('GOWINPROC_TEST_EXPAND_PORT', '9191');
      const config = parseConfig('server:\n  port: ${GOWINPROC_TEST_EXPAND_PORT}\n', CONFIG_FILE);
      expect(config.server.port).toBe(9191);
    });
  });
});
