import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';
import { join } from 'node:path';
import {
  CONFIG_DIR,
  CONFIG_FILE,
  parse,
  problemAt,
  problemOf,
  problemsOf,
  yaml,
} from '../../test/fixtures/config/support.js';

const api = (...lines: string[]) =>
  `processes:\n  - name: api\n    binary_path: ./api\n${lines.map((l) => `    ${l}\n`).join('')}`;

const balancer = (route: string) => yaml`
  processes:
    - name: users
      binary_path: ./users
    - name: orders
      binary_path: ./orders
  load_balancers:
    - name: gateway
      listen_port: 6000
      routes:
        ${route}
`;

describe('process checks across keys', () => {
  it('rejects a duplicate process name, at the second one', () => {
    const problem = problemOf(yaml`
      processes:
        - name: api
          binary_path: ./a
        - name: api
          binary_path: ./b
    `);
    expect(problem).toMatchObject({ file: CONFIG_FILE, line: 4, key: 'processes[1].name' });
    expect(problem.message).toBe('duplicate name "api" (also processes[0])');
  });

  it('requires binary_path or repository', () => {
    const problem = problemOf('processes:\n  - name: api\n    args: [--x]\n');
    expect(problem).toMatchObject({ line: 2, key: 'processes[0].binary_path' });
    expect(problem.message).toContain('binary_path');
    expect(problem.message).toContain('repository');
  });

  it.each([
    [['instances: 3', 'max_instances: 2'], 'processes[0].instances', 'instances (3)', '(1..2)'],
    [
      ['instances: 1', 'min_instances: 2', 'max_instances: 3'],
      'processes[0].instances',
      'instances (1)',
      '(2..3)',
    ],
    [['min_instances: 3', 'max_instances: 2'], 'processes[0].min_instances', '(3)', '(2)'],
  ])('rejects instances outside min..max: %j', (lines, key, ...fragments) => {
    const problem = problemOf(api(...lines));
    expect(problem).toMatchObject({ line: 4, key });
    for (const fragment of fragments) expect(problem.message).toContain(fragment);
  });

  it('rejects autoscaling down to zero instances (nothing left to measure)', () => {
    const problem = problemOf(api('scaling: { enabled: true, min_instances: 0 }'));
    expect(problem).toMatchObject({ line: 4, key: 'processes[0].scaling.min_instances' });
    expect(problem.message).toMatch(/at least 1/);
    expect(() => parse(api('scaling: { enabled: false, min_instances: 0 }'))).not.toThrow();
  });

  it('rejects scaling bounds that are upside down when scaling is on', () => {
    const problem = problemOf(
      api('scaling: { enabled: true, min_instances: 5, max_instances: 2 }'),
    );
    expect(problem).toMatchObject({ line: 4, key: 'processes[0].scaling.min_instances' });
    expect(problem.message).toContain('(5)');
    expect(
      parse(api('scaling: { enabled: false, min_instances: 5, max_instances: 2 }')),
    ).toBeTruthy();
  });

  it.each([
    ['auto_restart: false', 'restart: { policy: always }', 'auto_restart: false', 'always'],
    ['auto_restart: false', 'restart: { policy: on-failure }', 'auto_restart: false', 'on-failure'],
    ['auto_restart: true', 'restart: { policy: never }', 'auto_restart: true', 'never'],
  ])('rejects %s contradicting %s', (first, second, ...fragments) => {
    const problem = problemOf(api(first, second));
    expect(problem).toMatchObject({ line: 4, key: 'processes[0].auto_restart' });
    for (const fragment of fragments) expect(problem.message).toContain(fragment);
    expect(problem.message).toContain('restart.policy');
  });

  it('rejects a health check timeout longer than its interval, echoing both', () => {
    const problem = problemOf(api('health_check: { interval: 1s, timeout: 2500ms }'));
    expect(problem).toMatchObject({ line: 4, key: 'processes[0].health_check.timeout' });
    expect(problem.message).toContain('2500ms');
    expect(problem.message).toContain('1s');
  });

  it('rejects an http endpoint that is neither a path nor a URL', () => {
    const problem = problemOf(api('health_check: { endpoint: health }'));
    expect(problem).toMatchObject({ line: 4, key: 'processes[0].health_check.endpoint' });
    expect(problem.message).toContain('"health"');
  });

  it('reports every cross-key problem at once', () => {
    const problems = problemsOf(yaml`
      processes:
        - name: api
          binary_path: ./a
          instances: 5
          max_instances: 2
          port: 8080
        - name: api
          auto_restart: false
          restart: { policy: always }
    `);
    expect(problems.map((p) => p.key).sort()).toEqual([
      'processes[0].instances',
      'processes[0].port',
      'processes[1].auto_restart',
      'processes[1].binary_path',
      'processes[1].name',
    ]);
  });
});

describe('fixed ports', () => {
  it.each([
    ['8080', 'server.port'],
    ['50051', 'server.grpc_port'],
  ])('rejects a process port %s that the daemon uses (%s)', (port, owner) => {
    const problem = problemOf(api(`port: ${port}`));
    expect(problem).toMatchObject({ line: 4, key: 'processes[0].port' });
    expect(problem.message).toBe(`port ${port} is already taken by ${owner}`);
  });

  it('follows a configured server.port', () => {
    expect(problemOf(`server:\n  port: 9000\n${api('port: 9000')}`)).toMatchObject({
      key: 'processes[0].port',
      message: 'port 9000 is already taken by server.port',
    });
    expect(parse(`server:\n  port: 9000\n${api('port: 8080')}`).processes[0]!.port).toBe(8080);
  });

  it('rejects two processes on the same fixed port', () => {
    const problem = problemOf(yaml`
      processes:
        - name: a
          binary_path: ./a
          port: 7000
        - name: b
          binary_path: ./b
          port: 7000
    `);
    expect(problem).toMatchObject({ line: 7, key: 'processes[1].port' });
    expect(problem.message).toBe('port 7000 is already taken by processes[0].port');
  });

  it('rejects server.grpc_port equal to server.port', () => {
    const problem = problemOf('server:\n  port: 9000\n  grpc_port: 9000\n');
    expect(problem).toMatchObject({ key: 'server.grpc_port', line: 3 });
    expect(problem.message).toContain('9000');
  });

  it('allows both server ports to be 0 (pick free ones)', () => {
    expect(parse('server:\n  port: 0\n  grpc_port: 0\n').server.port).toBe(0);
  });
});

describe('load balancers', () => {
  it('loads a valid balancer with its defaults', () => {
    const config = parse(
      balancer('- methods: [".*/users\\\\..*"]\n          target_processes: [users]'),
    );
    expect(config.load_balancers).toEqual([
      {
        name: 'gateway',
        listen_port: 6000,
        protocol: 'grpc',
        routes: [
          { methods: ['.*/users\\..*'], target_processes: ['users'], strategy: 'round_robin' },
        ],
        drain_timeout: 30_000,
      },
    ]);
  });

  it('accepts listen_port 0 (any free port) and refuses one port for two balancers', () => {
    const two = (a: number, b: number) =>
      `processes:\n  - name: a\n    binary_path: ./a\nload_balancers:\n  - name: one\n    listen_port: ${a}\n    routes: [{ methods: [".*"], target_processes: [a] }]\n  - name: two\n    listen_port: ${b}\n    routes: [{ methods: [".*"], target_processes: [a] }]\n`;
    expect(parse(`server: { port: 0, grpc_port: 0 }\n${two(0, 0)}`).load_balancers).toHaveLength(2);
    expect(problemOf(two(6000, 6000))).toMatchObject({
      line: 9,
      key: 'load_balancers[1].listen_port',
      message: 'listen_port 6000 is also the port of load_balancers[0]',
    });
  });

  it('resolves a balancer certificate against the config file and reads drain_timeout', () => {
    const config = parse(
      balancer('- methods: [".*"]\n          target_processes: [users]').replace(
        '    routes:',
        '    drain_timeout: 5s\n    tls: { cert_file: certs/lb.crt, key_file: certs/lb.key }\n    routes:',
      ),
    );
    expect(config.load_balancers[0]).toMatchObject({
      drain_timeout: 5000,
      tls: {
        auto: false,
        cert_file: join(CONFIG_DIR, 'certs/lb.crt'),
        key_file: join(CONFIG_DIR, 'certs/lb.key'),
      },
    });
  });

  it('rejects a target that is not a process, listing the known ones', () => {
    const problem = problemOf(
      balancer('- methods: [".*"]\n          target_processes: [users, billing]'),
    );
    expect(problem).toMatchObject({
      line: 11,
      key: 'load_balancers[0].routes[0].target_processes[1]',
      message: 'no process is named "billing" (known: users, orders)',
    });
  });

  it('rejects an invalid method regex, echoing it', () => {
    const problem = problemOf(
      balancer('- methods: [".*", "(unclosed"]\n          target_processes: [users]'),
    );
    expect(problem).toMatchObject({ line: 10, key: 'load_balancers[0].routes[0].methods[1]' });
    expect(problem.message).toContain('invalid regular expression "(unclosed"');
  });

  it('rejects a weight for a process that is not a target of the route', () => {
    const problem = problemOf(
      balancer(
        '- methods: [".*"]\n          target_processes: [users]\n          strategy: weighted\n          weights: { users: 3, orders: 1 }',
      ),
    );
    expect(problem).toMatchObject({ line: 13, key: 'load_balancers[0].routes[0].weights.orders' });
    expect(problem.message).toContain('"orders"');
  });

  it('accepts weights for targets', () => {
    const config = parse(
      balancer(
        '- methods: [".*"]\n          target_processes: [users, orders]\n          strategy: weighted\n          weights: { users: 3, orders: 1 }',
      ),
    );
    expect(config.load_balancers[0]!.routes[0]).toMatchObject({
      strategy: 'weighted',
      weights: { users: 3, orders: 1 },
    });
  });

  it('rejects a listen_port used by the daemon itself', () => {
    const text = balancer('- methods: [".*"]\n          target_processes: [users]').replace(
      'listen_port: 6000',
      'listen_port: 50051',
    );
    expect(problemOf(text)).toMatchObject({
      line: 8,
      key: 'load_balancers[0].listen_port',
      message: expect.stringContaining('50051') as unknown,
    });
  });

  it('rejects duplicate balancer names', () => {
    const problems = problemsOf(yaml`
      processes:
        - name: users
          binary_path: ./users
      load_balancers:
        - name: lb
          listen_port: 6000
          routes: [{ methods: [".*"], target_processes: [users] }]
        - name: lb
          listen_port: 6001
          routes: [{ methods: [".*"], target_processes: [users] }]
    `);
    expect(problemAt(problems, 'load_balancers[1].name')).toMatchObject({
      line: 8,
      message: 'duplicate name "lb" (also load_balancers[0])',
    });
  });

  it.each([
    ['routes: []', 'load_balancers[0].routes'],
    ['routes: [{ methods: [], target_processes: [users] }]', 'load_balancers[0].routes[0].methods'],
    [
      'routes: [{ methods: [".*"], target_processes: [users], strategy: fastest }]',
      'load_balancers[0].routes[0].strategy',
    ],
  ])('validates the route shape: %s', (routes, key) => {
    const problem = problemOf(yaml`
      processes:
        - name: users
          binary_path: ./users
      load_balancers:
        - name: lb
          listen_port: 6000
          ${routes}
    `);
    expect(problem).toMatchObject({ line: 7, key });
  });
});

describe('server safety and values from ${VAR}', () => {
  it('refuses a non-loopback API without credentials unless insecure is set', () => {
    expect(() =>
      parseConfig('server:\n  host: 0.0.0.0\n', '/etc/gowinproc/config.yaml', { env: {} }),
    ).toThrow(
      /config\.yaml:2: server\.host: 0\.0\.0\.0 is reachable from other machines but server\.auth has no credentials/,
    );
    expect(
      parseConfig('server:\n  host: 0.0.0.0\n  auth: { insecure: true }\n', '/c.yaml', { env: {} })
        .server.host,
    ).toBe('0.0.0.0');
    const digest = 'a'.repeat(64);
    expect(
      parseConfig(
        `server:\n  host: 0.0.0.0\n  auth: { api_keys: [{ name: ci, key_sha256: ${digest} }] }\n`,
        '/c.yaml',
        { env: {} },
      ).server.host,
    ).toBe('0.0.0.0');
    expect(parseConfig('server:\n  host: localhost\n', '/c.yaml', { env: {} }).server.host).toBe(
      'localhost',
    );
  });

  it('counts server.auth.jwt as a credential for a non-loopback API', () => {
    expect(
      parseConfig(
        'server:\n  host: 0.0.0.0\n  auth: { jwt: { jwks_url: https://id.example/jwks.json } }\n',
        '/c.yaml',
        { env: {} },
      ).server.host,
    ).toBe('0.0.0.0');
    expect(() => parseConfig('server:\n  host: 0.0.0.0\n', '/c.yaml', { env: {} })).toThrow(
      /add server\.auth\.api_keys or server\.auth\.jwt, listen on 127\.0\.0\.1, or set server\.auth\.insecure: true/,
    );
  });

  it('reads integers, numbers and booleans that come from ${VAR} as strings', () => {
    const config = parseConfig(
      'processes:\n  - name: a\n    binary_path: ./a\n    instances: ${N}\n    max_instances: ${N}\n    auto_restart: ${AUTO}\n    restart:\n      backoff:\n        multiplier: ${M}\n',
      '/c.yaml',
      { env: { N: '3', AUTO: 'false', M: '1.5' } },
    );
    expect(config.processes[0]).toMatchObject({
      instances: 3,
      max_instances: 3,
      restart: { policy: 'never', backoff: { multiplier: 1.5 } },
    });
  });

  it('accepts only http(s) worker URLs', () => {
    expect(() =>
      parseConfig('secrets:\n  cloudflare: { worker_url: "ftp://x" }\n', '/c.yaml', { env: {} }),
    ).toThrow(/secrets\.cloudflare\.worker_url: invalid value "ftp:\/\/x"/);
  });

  it('refuses a load balancer on a process port', () => {
    expect(() =>
      parseConfig(
        'processes:\n  - name: a\n    binary_path: ./a\n    port: 7000\nload_balancers:\n  - name: lb\n    listen_port: 7000\n    routes: [{ methods: [".*"], target_processes: [a] }]\n',
        '/c.yaml',
        { env: {} },
      ),
    ).toThrow(/load_balancers\[0\]\.listen_port: listen_port 7000 is also the port of process a/);
  });
});

describe('secrets source', () => {
  it('follows secrets.mode unless the process declares its own source', () => {
    const standalone = parse(api()).processes[0]!;
    expect(standalone.secrets).toMatchObject({ source: 'local', required: false });
    const cloud = parse(
      `secrets:\n  mode: cloudflare\n  cloudflare:\n    worker_url: https://auth.test\n    private_key_path: k.pem\n${api()}`,
    ).processes[0]!;
    expect(cloud.secrets).toMatchObject({ source: 'cloudflare', required: false });
  });

  it('marks a process that declares source: local as requiring its .env', () => {
    const proc = parse(api('secrets:', '  source: local')).processes[0]!;
    expect(proc.secrets).toMatchObject({ source: 'local', required: true, enabled: true });
    const off = parse(api('secrets:', '  source: local', '  enabled: false')).processes[0]!;
    expect(off.secrets.required).toBe(false);
  });

  it('asks for the worker URL and key when a process takes Cloudflare secrets', () => {
    const problems = problemsOf(`secrets:\n  mode: cloudflare\n${api()}`);
    expect(problems.map((p) => p.key)).toEqual([
      'secrets.cloudflare.worker_url',
      'secrets.cloudflare.private_key_path',
    ]);
    expect(problems[1]!.message).toContain('gowinproc keygen');
    expect(problems[1]!.message).toContain('process api takes secrets from Cloudflare');
  });

  it('needs no worker in cloudflare mode when every process reads a local .env', () => {
    const config = parse(`secrets:\n  mode: cloudflare\n${api('secrets:', '  source: local')}`);
    expect(config.processes[0]!.secrets.source).toBe('local');
  });
});

describe('tunnel worker', () => {
  it('asks for the key a tunnel registering with a worker signs in with', () => {
    const problem = problemOf('tunnel: { enabled: true, worker_url: https://auth.test }\n');
    expect(problem.key).toBe('tunnel.private_key_path');
    expect(problem.message).toContain('https://auth.test');
  });

  it('takes the key and worker from secrets.cloudflare, and needs neither without a worker', () => {
    parse(
      'secrets:\n  cloudflare: { worker_url: https://a.test, private_key_path: k.pem }\ntunnel: { enabled: true }\n',
    );
    parse('tunnel: { enabled: true }\n');
  });
});

describe('certificate settings', () => {
  it('takes a curve size for ECDSA and 2048 bits or more for RSA', () => {
    expect(problemOf('certificates: { key_type: ecdsa, key_size: 2048 }\n')).toMatchObject({
      key: 'certificates.key_size',
      message:
        'key_type ecdsa takes a curve size: 256 (P-256), 384 (P-384) or 521 (P-521), got 2048',
    });
    expect(problemOf('certificates: { key_size: 1024 }\n').message).toBe(
      'RSA keys need at least 2048 bits, got 1024',
    );
    parse('certificates: { key_type: ecdsa, key_size: 384 }\n');
  });

  it('names a host that is neither an IP address nor a host name, by line', () => {
    const problem = problemOf(yaml`
      certificates:
        hosts:
          - localhost
          - "not a host"
          - ::1
          - api.example.com
    `);
    expect(problem).toMatchObject({ key: 'certificates.hosts[1]', line: 4 });
  });
});

describe('JWT keys', () => {
  it('refuses a public key that RS256/ES256 cannot use, and a JWKS URL that is not http(s)', () => {
    expect(problemOf('server:\n  auth:\n    jwt: { public_key: not-a-key }\n')).toMatchObject({
      key: 'server.auth.jwt.public_key',
    });
    expect(
      problemOf('server:\n  auth:\n    jwt: { jwks_url: ftp://keys.test/jwks }\n'),
    ).toMatchObject({
      key: 'server.auth.jwt.jwks_url',
    });
  });

  it('accepts an RSA or P-256 public key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    for (const key of [
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
    ]) {
      const pem = key.export({ type: 'spki', format: 'pem' }).toString();
      const config = parse(
        `server:\n  auth:\n    jwt:\n      public_key: ${JSON.stringify(pem)}\n`,
      );
      expect(config.server.auth.jwt?.public_key).toBe(pem);
    }
  });
});
