import { describe, expect, it } from 'vitest';
import { CONFIG_FILE, problemOf, problemsOf, yaml } from '../../test/fixtures/config/support.js';
import { configSchema } from './schema.js';
import { closestKey, editDistance } from './suggest.js';
import { knownKeysAt } from './zod-issues.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['port', 'port', 0],
    ['', 'port', 4],
    ['prot', 'port', 1],
    ['helth', 'health', 1],
    ['kitten', 'sitting', 3],
    ['intreval', 'interval', 1],
  ])('%j -> %j is %d', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestKey', () => {
  const known = ['host', 'port', 'grpc_port', 'read_timeout', 'write_timeout'];

  it.each([
    ['prot', 'port'],
    ['hots', 'host'],
    ['grpcport', 'grpc_port'],
    ['grpc-port', 'grpc_port'],
    ['READ_TIMEOUT', 'read_timeout'],
    ['write_timout', 'write_timeout'],
  ])('suggests %j for %j', (unknown, expected) => {
    expect(closestKey(unknown, known)).toBe(expected);
  });

  it.each(['colour', 'listen_address', 'x'])('does not guess for %j', (unknown) => {
    expect(closestKey(unknown, known)).toBeUndefined();
  });

  it('has nothing to suggest from an empty list', () => {
    expect(closestKey('port', [])).toBeUndefined();
  });
});

describe('knownKeysAt', () => {
  it('lists the keys the schema accepts at a path, through lists and defaults', () => {
    expect(knownKeysAt(configSchema, [])).toContain('processes');
    expect(knownKeysAt(configSchema, ['processes', 0])).toContain('health_check');
    expect(knownKeysAt(configSchema, ['processes', 0, 'health_check'])).toContain('interval');
    expect(knownKeysAt(configSchema, ['server', 'auth', 'api_keys', 0])).toEqual([
      'name',
      'key_sha256',
      'key',
      'role',
    ]);
    expect(knownKeysAt(configSchema, ['nowhere'])).toEqual([]);
  });
});

describe('unknown keys in a config file', () => {
  it.each([
    ['sever:\n  port: 1\n', 1, 'sever', 'server'],
    ['log_levle: info\n', 1, 'log_levle', 'log_level'],
    ['load_balancer: []\n', 1, 'load_balancer', 'load_balancers'],
    ['server:\n  hots: x\n', 2, 'server.hots', 'host'],
    ['server:\n  auth:\n    api_key: []\n', 3, 'server.auth.api_key', 'api_keys'],
    [
      `server:\n  auth:\n    api_keys:\n      - name: ci\n        key_sha256: ${'ab'.repeat(32)}\n        rol: admin\n`,
      6,
      'server.auth.api_keys[0].rol',
      'role',
    ],
    ['paths:\n  binarys: ./bin\n', 2, 'paths.binarys', 'binaries'],
    [
      'secrets:\n  cloudflare:\n    workerurl: x\n',
      3,
      'secrets.cloudflare.workerurl',
      'worker_url',
    ],
    ['github:\n  update_mode:\n    poling: {}\n', 3, 'github.update_mode.poling', 'polling'],
    ['tunnel:\n  requireauth: true\n', 2, 'tunnel.requireauth', 'require_auth'],
    ['metrics:\n  retension: 7d\n', 2, 'metrics.retension', 'retention'],
    [
      'processes:\n  - name: a\n    binary_path: ./a\n    helth_check: {}\n',
      4,
      'processes[0].helth_check',
      'health_check',
    ],
    [
      'processes:\n  - name: a\n    binary_path: ./a\n    health_check:\n      intreval: 5s\n',
      5,
      'processes[0].health_check.intreval',
      'interval',
    ],
    [
      'processes:\n  - name: a\n    binary_path: ./a\n  - name: b\n    binray_path: ./b\n',
      5,
      'processes[1].binray_path',
      'binary_path',
    ],
    [
      'processes:\n  - name: a\n    binary_path: ./a\n    restart:\n      backof: {}\n',
      5,
      'processes[0].restart.backof',
      'backoff',
    ],
    [
      'processes:\n  - name: a\n    binary_path: ./a\n    secrets_key: [X]\n',
      4,
      'processes[0].secrets_key',
      'secrets_keys',
    ],
    [
      'processes:\n  - name: a\n    binary_path: ./a\nload_balancers:\n  - name: lb\n    listen_port: 6000\n    routes:\n      - methods: [".*"]\n        target_processes: [a]\n        stratgy: random\n',
      10,
      'load_balancers[0].routes[0].stratgy',
      'strategy',
    ],
  ])('%j', (text, line, key, suggestion) => {
    const problem = problemOf(text);
    expect(problem).toEqual({
      file: CONFIG_FILE,
      line,
      key,
      message: `unknown key "${key.split('.').pop()!.replace(/^.*\]/, '')}" (did you mean "${suggestion}"?)`,
    });
  });

  it('reports an unknown key without a guess when nothing is close', () => {
    expect(
      problemOf('processes:\n  - name: a\n    binary_path: ./a\n    owner_email: x\n'),
    ).toEqual({
      file: CONFIG_FILE,
      line: 4,
      key: 'processes[0].owner_email',
      message: 'unknown key "owner_email"',
    });
  });

  it('reports every unknown key, each with its own suggestion', () => {
    const problems = problemsOf(yaml`
      sever: {}
      processes:
        - name: a
          binary_path: ./a
          helth_check: {}
          evn: {}
        - name: b
          binary_path: ./b
          max_instance: 2
    `);
    expect(problems.map((p) => [p.line, p.key, p.message])).toEqual([
      [1, 'sever', 'unknown key "sever" (did you mean "server"?)'],
      [5, 'processes[0].helth_check', 'unknown key "helth_check" (did you mean "health_check"?)'],
      [6, 'processes[0].evn', 'unknown key "evn" (did you mean "env"?)'],
      [
        9,
        'processes[1].max_instance',
        'unknown key "max_instance" (did you mean "max_instances"?)',
      ],
    ]);
  });
});
