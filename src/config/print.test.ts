import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONFIG_FILE, configFixture, parse, yaml } from '../../test/fixtures/config/support.js';
import { MASK, type Config } from './index.js';
import { loadConfigFile, parseConfig } from './load.js';
import { presentConfig, printConfig } from './print.js';

const SHA = 'c0ffee'.repeat(10) + 'abcd';

/** Every section and most keys set away from their defaults, and no secrets. */
const RICH = yaml`
  server:
    host: 0.0.0.0
    port: 8443
    grpc_port: 50443
    read_timeout: 1m30s
    write_timeout: 45s
    tls: { cert_file: ./tls/server.crt, key_file: ./tls/server.key }
    cors: { origins: [https://dash.acme.test] }
    auth:
      api_keys:
        - { name: ci, key_sha256: ${SHA}, role: operator }
      jwt:
        jwks_url: https://id.acme.test/jwks.json
        issuer: https://id.acme.test
        audience: gowinproc
        role_claim: gwp_role
  paths: { data: ./var/data }
  log_level: debug
  logs: { max_size: 10MB, max_files: 3 }
  certificates:
    key_type: ecdsa
    key_size: 256
    hosts: [localhost, 10.0.0.5]
    common_name: node.acme.test
  secrets:
    mode: cloudflare
    override: true
    cloudflare:
      worker_url: https://auth.acme.test
      private_key_path: ./keys/node.pem
      client_id: node-1
      retry_max: 0
      retry_backoff: 1500ms
      cache_ttl: 1h
  github:
    mode: cloudflare
    api_url: https://ghe.acme.test/api/v3
    cloudflare: { worker_url: https://releases.acme.test, private_key_path: ./keys/node.pem }
    update_mode:
      polling: { enabled: false, interval: 90s }
      webhook: { enabled: false, path: /hooks/gh }
  tunnel:
    enabled: true
    port: 8443
    protocol: quic
    client_id: node-1
    worker_url: https://auth.acme.test
    private_key_path: ./keys/node.pem
    require_auth: false
  metrics: { interval: 2s, retention: 36h, store: memory, prometheus: false }
  processes:
    - name: api
      repository: acme/api
      binary_path: ./bin/api
      args: [--port, 7000, "quoted: yes", "#hash", ""]
      env: { MODE: live, PORT: 7000, EMPTY: "", FLAG: "false" }
      work_dir: ./run/api
      port: 7000
      port_range: 7001-7099
      instances: 2
      min_instances: 1
      max_instances: 4
      restart:
        policy: always
        backoff: { initial: 250ms, max: 1m, multiplier: 1.5 }
        max_restarts: 5
        window: 2m
        reset_after: 30s
        max_memory: 1GiB
      stop: { signal: SIGINT, timeout: 5s, http_endpoint: /shutdown }
      health_check:
        type: grpc
        endpoint: acme.Api
        interval: 3s
        timeout: 1s
        retries: 2
        start_period: 15s
      secrets_keys: [DB_URL]
      secrets: { enabled: false, source: cloudflare, env_file: ./env/api.env }
      certificates: { enabled: true }
      github:
        auto_update: true
        update_check_interval: 10m
        asset: "*linux-amd64*"
        allow_prerelease: true
        checksum: required
      scaling:
        enabled: true
        min_instances: 1
        max_instances: 6
        cpu_threshold: 75.5
        memory_threshold: 768MiB
        rps_threshold: 100
        sustain: 20s
        cooldown: 90s
      logs: { max_size: 5MB, max_files: 2 }
    - name: worker
      binary_path: node
      args: [worker.js]
      health_check: { enabled: false, endpoint: /health }
      auto_restart: false
    - name: probe
      binary_path: ./probe
      health_check: { endpoint: "http://127.0.0.1:9100/up", interval: 500ms }
  load_balancers:
    - name: gw
      listen_port: 6000
      routes:
        - methods: [".*/acme\\\\.Api/.*"]
          target_processes: [api, worker]
          strategy: weighted
          weights: { api: 3, worker: 1 }
        - methods: [".*"]
          target_processes: [probe]
`;

const SECRETS = {
  apiKey: 'ops-key-0123456789abcdef',
  jwt: 'jwt-signing-secret-xyz',
  token: 'ghp_toplevel_secret_token',
  webhook: 'whsec_webhook_secret',
  processToken: 'ghp_process_secret_token',
  dbPassword: 'hunter2-db-password',
  apiToken: 'tok-123-secret',
  stripeKey: 'sk_live_abc123',
};

const WITH_SECRETS = yaml`
  server:
    auth:
      api_keys:
        - { name: ops, key: ${SECRETS.apiKey}, role: admin }
        - { name: ci, key_sha256: ${SHA} }
      jwt: { secret: ${SECRETS.jwt} }
  github:
    token: ${SECRETS.token}
    update_mode:
      webhook: { secret: ${SECRETS.webhook} }
  processes:
    - name: api
      binary_path: ./api
      github: { token: ${SECRETS.processToken} }
      env:
        DB_PASSWORD: ${SECRETS.dbPassword}
        API_TOKEN: ${SECRETS.apiToken}
        STRIPE_KEY: ${SECRETS.stripeKey}
        SERVICE_NAME: api-service
        LOG_LEVEL: debug
        DB_HOST: db.internal
`;

function roundTrip(config: Config): Config {
  return parseConfig(printConfig(config), config.source, { env: {} });
}

describe('printConfig', () => {
  it('prints every default, durations and sizes as strings, and no source', () => {
    const printed = parseYaml(
      printConfig(parse('processes:\n  - name: api\n    binary_path: ./api\n')),
    ) as Record<string, unknown>;
    expect(printed).not.toHaveProperty('source');
    expect(printed).toMatchObject({
      server: { host: '127.0.0.1', port: 8080, grpc_port: 50051, read_timeout: '30s' },
      log_level: 'info',
      logs: { max_files: 5 },
      secrets: { cloudflare: { retry_backoff: '2s', cache_ttl: '55m' } },
      github: { update_mode: { polling: { interval: '5m' } } },
      metrics: { interval: '1s', retention: '7d' },
      processes: [
        {
          name: 'api',
          port_range: '5001-5999',
          instances: 1,
          restart: {
            policy: 'on-failure',
            backoff: { initial: '100ms', max: '30s' },
            window: '1m',
          },
          stop: { signal: 'SIGTERM', timeout: '10s' },
          health_check: { enabled: false, type: 'none', interval: '5s', timeout: '2s' },
        },
      ],
    });
  });

  it('writes sizes in a form that reads back to the same bytes', () => {
    const text = printConfig(parse(RICH));
    const printed = parseYaml(text) as {
      logs: { max_size: string };
      processes: Array<{ restart: { max_memory: string } }>;
    };
    expect(printed.logs.max_size).toBe('10MB');
    expect(printed.processes[0]!.restart.max_memory).toBe('1GiB');
  });

  it('masks every secret and nothing else', () => {
    const config = parse(WITH_SECRETS);
    const text = printConfig(config);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);

    const printed = parseYaml(text) as ReturnType<typeof presentConfig> & {
      server: { auth: { api_keys: Array<Record<string, string>>; jwt: Record<string, string> } };
      github: { token: string; update_mode: { webhook: { secret: string } } };
      processes: Array<{ github: { token: string }; env: Record<string, string> }>;
    };
    expect(printed.server.auth.api_keys[0]).toEqual({ name: 'ops', key: MASK, role: 'admin' });
    expect(printed.server.auth.api_keys[1]).toEqual({
      name: 'ci',
      key_sha256: SHA,
      role: 'viewer',
    });
    expect(printed.server.auth.jwt.secret).toBe(MASK);
    expect(printed.github.token).toBe(MASK);
    expect(printed.github.update_mode.webhook.secret).toBe(MASK);
    expect(printed.processes[0]!.github.token).toBe(MASK);
    expect(printed.processes[0]!.env).toEqual({
      DB_PASSWORD: MASK,
      API_TOKEN: MASK,
      STRIPE_KEY: MASK,
      SERVICE_NAME: 'api-service',
      LOG_LEVEL: 'debug',
      DB_HOST: 'db.internal',
    });
  });

  it('does not print keys for secrets that are not set', () => {
    const printed = parseYaml(printConfig(parse(''))) as {
      github: Record<string, unknown> & { update_mode: { webhook: Record<string, unknown> } };
    };
    expect(printed.github).not.toHaveProperty('token');
    expect(printed.github.update_mode.webhook).not.toHaveProperty('secret');
  });
});

describe('presentConfig', () => {
  it('is the printed YAML as data', () => {
    for (const text of [RICH, WITH_SECRETS, '']) {
      const config = parse(text);
      expect(presentConfig(config)).toEqual(parseYaml(printConfig(config)));
    }
  });

  it('masks secrets and keeps literal ${ as written (it is data, not YAML to re-read)', () => {
    const shown = presentConfig(
      parse(WITH_SECRETS.replace('LOG_LEVEL: debug', () => 'LOG_LEVEL: "$${KEEP}"')),
    ) as { github: { token: string }; processes: Array<{ env: Record<string, string> }> };
    expect(shown.github.token).toBe(MASK);
    expect(shown.processes[0]!.env['DB_PASSWORD']).toBe(MASK);
    expect(shown.processes[0]!.env['LOG_LEVEL']).toBe('${KEEP}');
    expect(JSON.stringify(shown)).not.toContain(SECRETS.dbPassword);
  });
});

describe('print, then parse, gives the same config', () => {
  it('starts from a config that really is away from the defaults', () => {
    const config = parse(RICH);
    expect(config.load_balancers[0]!.routes[0]!.methods).toEqual(['.*/acme\\.Api/.*']);
    expect(config.processes[0]!.args).toEqual(['--port', '7000', 'quoted: yes', '#hash', '']);
    expect(config.processes[0]!.restart).toMatchObject({ policy: 'always', max_memory: 1024 ** 3 });
    expect(config.processes[1]!.health_check).toMatchObject({
      enabled: false,
      endpoint: '/health',
    });
    expect(config.processes[2]!.health_check).toMatchObject({ type: 'http', timeout: 500 });
    expect(config.server.tls).toMatchObject({ auto: false });
  });

  it.each([
    ['an empty file', ''],
    ['a config that sets every section', RICH],
  ])('for %s', (_label, text) => {
    const config = parse(text);
    expect(roundTrip(config)).toEqual(config);
  });

  it.each(['standalone.yaml', 'load-balancer.yaml', 'production.yaml'])(
    'for the fixture %s',
    async (name) => {
      const config = await loadConfigFile(configFixture(name), { env: {} });
      expect(roundTrip(config)).toEqual(config);
    },
  );

  it.each(['readme-style.yaml', 'readme-style.canonical.yaml'])(
    'for the fixture %s, in the canonical schema and with its token masked',
    async (name) => {
      const config = await loadConfigFile(configFixture(name), { env: {} });
      const again = roundTrip(config);
      const proc = config.processes[0]!;
      expect(again).toEqual({
        ...config,
        processes: [{ ...proc, github: { ...proc.github, token: MASK } }],
      });
      expect(printConfig(config)).not.toMatch(/^(manager|cloudflare):/m);
    },
  );

  it('for the command-line paths, which the printed file now holds', () => {
    const config = parse('', { paths: { data: '/var/lib/gowinproc' } });
    expect(roundTrip(config).paths.data).toBe(config.paths.data);
  });

  it('for values that contain a literal ${ (printed as $${)', () => {
    const config = parse(
      yaml`
        processes:
          - name: api
            binary_path: ./api
            args: ["$\${HOME}", "cost: $$\${AMOUNT}", "a$$b"]
            env:
              TEMPLATE: "$\${USER}@$\${HOST}"
              WHOLE: "$\${UNSET}"
      `,
      { env: { HOME: '/root', USER: 'u' } },
    );
    expect(config.processes[0]!.args).toEqual(['${HOME}', 'cost: $${AMOUNT}', 'a$$b']);
    expect(config.processes[0]!.env).toEqual({ TEMPLATE: '${USER}@${HOST}', WHOLE: '${UNSET}' });
    const again = parseConfig(printConfig(config), CONFIG_FILE, { env: { HOME: '/x', USER: 'y' } });
    expect(again).toEqual(config);
  });

  it('for any string in args, env values and env keys', () => {
    // Pieces that YAML or ${VAR} expansion treat specially, so that they meet often.
    const special =
      '$ { } $$ ${ : # - " \' \\ . ~ * & ! % @ ` | > [ ] , --- ... null true 0 é'.split(' ');
    const piece = fc.constantFrom(...special, 'A', 'b', ' ', '\n', '\r', '\t', '\u2028');
    const text = fc.oneof(fc.string({ unit: piece, maxLength: 12 }), fc.string({ maxLength: 12 }));
    const envName = fc.string({
      unit: fc.constantFrom('A', 'B', '_', '$', '{', '}', '1'),
      minLength: 1,
      maxLength: 6,
    });
    const base = parse('processes:\n  - name: api\n    binary_path: ./api\n');
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 4 }),
        fc.dictionary(envName, text, { maxKeys: 4 }),
        (args, env) => {
          const proc = base.processes[0]!;
          const config: Config = { ...base, processes: [{ ...proc, args, env: { ...env } }] };
          const again = parseConfig(printConfig(config), CONFIG_FILE, { env: { A: 'set', B: '' } });
          expect(again.processes[0]!.args).toEqual(args);
          expect(again.processes[0]!.env).toEqual(env);
        },
      ),
      // Found by this property: yaml writes these as block scalars that lose their spaces.
      { examples: [[[' \n', '  \n\n'], { A: ' \n' }]] },
    );
  });

  it('for a config with secrets, except that each secret reads back as the mask', () => {
    const text = WITH_SECRETS.replace(/^ {4}api_keys:\n(?: {6}.*\n)+/m, '');
    const config = parse(text);
    const again = roundTrip(config);
    const proc = config.processes[0]!;
    expect(again).toEqual({
      ...config,
      server: {
        ...config.server,
        auth: { ...config.server.auth, jwt: { ...config.server.auth.jwt, secret: MASK } },
      },
      github: {
        ...config.github,
        token: MASK,
        update_mode: {
          ...config.github.update_mode,
          webhook: { ...config.github.update_mode.webhook, secret: MASK },
        },
      },
      processes: [
        {
          ...proc,
          github: { ...proc.github, token: MASK },
          env: { ...proc.env, DB_PASSWORD: MASK, API_TOKEN: MASK, STRIPE_KEY: MASK },
        },
      ],
    });
  });
});
