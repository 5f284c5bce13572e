import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DIR, CONFIG_FILE, parse, yaml } from '../../test/fixtures/config/support.js';
import type { ProcessConfig } from './index.js';

const MINIMAL = yaml`
  processes:
    - name: api
      binary_path: ./bin/api
`;

function onlyProcess(text: string): ProcessConfig {
  const config = parse(text);
  expect(config.processes).toHaveLength(1);
  return config.processes[0]!;
}

function withProcessLines(...lines: string[]): string {
  return MINIMAL + lines.map((line) => `    ${line}\n`).join('');
}

describe('defaults of an empty file (config.md)', () => {
  it.each([
    ['an empty file', ''],
    ['a file with only comments', '# nothing configured yet\n'],
    ['an empty document marker', '---\n'],
  ])('%s loads as the defaults', (_label, text) => {
    const config = parse(text);
    expect(config.source).toBe(CONFIG_FILE);
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      grpc_port: 50051,
      read_timeout: 30_000,
      write_timeout: 30_000,
      cors: { origins: [] },
      auth: { api_keys: [], insecure: false },
    });
    expect(config.server.tls).toBeUndefined();
    expect(config.log_level).toBe('info');
    expect(config.processes).toEqual([]);
    expect(config.load_balancers).toEqual([]);
  });

  it('resolves every paths.* default against the config file directory', () => {
    expect(parse('').paths).toEqual({
      certs: join(CONFIG_DIR, 'certs'),
      keys: join(CONFIG_DIR, 'keys'),
      data: join(CONFIG_DIR, 'data'),
      binaries: join(CONFIG_DIR, 'binaries'),
      logs: join(CONFIG_DIR, 'logs'),
    });
  });

  it('resolves relative paths.* against the file directory and keeps absolute ones', () => {
    const absolute = join(CONFIG_DIR, '..', 'shared-logs');
    const config = parse(yaml`
      paths:
        data: ./state
        certs: ../pki/certs
        logs: ${absolute}
    `);
    expect(config.paths.data).toBe(join(CONFIG_DIR, 'state'));
    expect(config.paths.certs).toBe(join(CONFIG_DIR, '..', 'pki', 'certs'));
    expect(config.paths.logs).toBe(absolute);
    expect(config.paths.keys).toBe(join(CONFIG_DIR, 'keys'));
  });

  it('fills certificates, secrets, github, tunnel and metrics defaults', () => {
    const config = parse('');
    expect(config.certificates).toEqual({
      auto_generate: true,
      key_type: 'rsa',
      key_size: 2048,
      validity_days: 365,
      renew_before_days: 30,
      organization: 'gowinproc',
      hosts: ['localhost', '127.0.0.1'],
    });
    expect(config.secrets).toEqual({
      mode: 'standalone',
      override: false,
      cloudflare: {
        client_id: 'gowinproc',
        retry_max: 3,
        retry_backoff: 2000,
        cache_ttl: 3_300_000,
      },
    });
    expect(config.github).toEqual({
      mode: 'standalone',
      api_url: 'https://api.github.com',
      cloudflare: {},
      update_mode: {
        polling: { enabled: true, interval: 300_000 },
        webhook: { enabled: true, path: '/webhook/github' },
      },
    });
    expect('token' in config.github).toBe(false);
    expect(config.tunnel).toMatchObject({ enabled: false, protocol: 'http2', require_auth: true });
    expect(config.metrics).toEqual({
      interval: 1000,
      retention: 7 * 86_400_000,
      store: 'sqlite',
      prometheus: true,
      max_size: 1024 ** 3,
    });
  });
});

describe('defaults of a minimal process', () => {
  it('fills every per-process default', () => {
    const proc = onlyProcess(MINIMAL);
    expect(proc).toMatchObject({
      name: 'api',
      binary_path: join(CONFIG_DIR, 'bin', 'api'),
      args: [],
      env: {},
      work_dir: CONFIG_DIR,
      port_range: { start: 5001, end: 5999 },
      instances: 1,
      min_instances: 1,
      max_instances: 1,
      restart: {
        policy: 'on-failure',
        backoff: { initial: 100, max: 30_000, multiplier: 2 },
        window: 60_000,
      },
      stop: { signal: 'SIGTERM', timeout: 10_000 },
      health_check: { enabled: false, type: 'none' },
      secrets_keys: [],
      secrets: { enabled: true, source: 'local', env_file: join(CONFIG_DIR, 'data', 'api.env') },
      scaling: {
        enabled: false,
        min_instances: 1,
        max_instances: 4,
        cpu_threshold: 80,
        rps_threshold: 0,
        sustain: 15_000,
        cooldown: 60_000,
      },
      logs: { max_files: 5 },
    });
    expect(proc.port).toBeUndefined();
    expect(proc.repository).toBeUndefined();
    expect(proc.health_check.endpoint).toBeUndefined();
  });

  it('takes per-process log rotation from the top-level logs section', () => {
    const config = parse(yaml`
      logs: { max_size: 2MiB, max_files: 9 }
      processes:
        - name: a
          binary_path: ./a
        - name: b
          binary_path: ./b
          logs: { max_files: 2 }
    `);
    expect(config.processes[0]!.logs).toEqual({ max_size: 2 * 1024 ** 2, max_files: 9 });
    expect(config.processes[1]!.logs).toEqual({ max_size: 2 * 1024 ** 2, max_files: 2 });
  });

  it('keeps a bare command name for PATH lookup and resolves anything with a slash', () => {
    const config = parse(yaml`
      processes:
        - name: a
          binary_path: node
        - name: b
          binary_path: tools/b
          work_dir: ./work/b
    `);
    expect(config.processes[0]!.binary_path).toBe('node');
    expect(config.processes[1]!.binary_path).toBe(join(CONFIG_DIR, 'tools', 'b'));
    expect(config.processes[1]!.work_dir).toBe(join(CONFIG_DIR, 'work', 'b'));
  });

  it('allows repository without binary_path (the installed release is run)', () => {
    const proc = onlyProcess(yaml`
      processes:
        - name: api
          repository: acme/api
    `);
    expect(proc.repository).toBe('acme/api');
    expect(proc.binary_path).toBeUndefined();
  });

  it.each<[string, string[], [number, number, number]]>([
    ['nothing set', [], [1, 1, 1]],
    ['max_instances only', ['max_instances: 3'], [1, 1, 3]],
    ['min_instances only', ['min_instances: 2'], [2, 2, 2]],
    ['instances only', ['instances: 3'], [3, 1, 3]],
    ['instances: 0', ['instances: 0'], [0, 0, 1]],
    ['min_instances: 0', ['min_instances: 0'], [1, 0, 1]],
    ['instances and max_instances', ['instances: 2', 'max_instances: 4'], [2, 1, 4]],
    ['all three', ['instances: 2', 'min_instances: 2', 'max_instances: 5'], [2, 2, 5]],
  ])('instances/min/max with %s', (_label, lines, [instances, min, max]) => {
    const proc = onlyProcess(withProcessLines(...lines));
    expect([proc.instances, proc.min_instances, proc.max_instances]).toEqual([instances, min, max]);
  });

  it.each<[string, string[], string]>([
    ['nothing set', [], 'on-failure'],
    ['auto_restart: true', ['auto_restart: true'], 'on-failure'],
    ['auto_restart: false', ['auto_restart: false'], 'never'],
    ['restart.policy: always', ['restart: { policy: always }'], 'always'],
    [
      'auto_restart: true with policy always',
      ['auto_restart: true', 'restart: { policy: always }'],
      'always',
    ],
    [
      'auto_restart: false with policy never',
      ['auto_restart: false', 'restart: { policy: never }'],
      'never',
    ],
  ])('restart policy with %s', (_label, lines, policy) => {
    expect(onlyProcess(withProcessLines(...lines)).restart.policy).toBe(policy);
  });
});

describe('health check defaults', () => {
  const health = (...lines: string[]) => onlyProcess(withProcessLines(...lines)).health_check;

  it('is none when health_check is absent', () => {
    expect(health()).toMatchObject({
      enabled: false,
      type: 'none',
      interval: 5000,
      timeout: 2000,
      retries: 3,
    });
    expect(health().endpoint).toBeUndefined();
  });

  it('is http when an endpoint is given', () => {
    expect(health('health_check: { endpoint: /ready }')).toMatchObject({
      enabled: true,
      type: 'http',
      endpoint: '/ready',
      interval: 5000,
      timeout: 2000,
      retries: 3,
    });
  });

  it('accepts a full http:// URL as the endpoint (as the original wrote it)', () => {
    expect(health('health_check: { endpoint: "http://localhost:9100/health" }')).toMatchObject({
      type: 'http',
      endpoint: 'http://localhost:9100/health',
    });
  });

  it('is http on /health when enabled without an endpoint', () => {
    expect(health('health_check: { enabled: true }')).toMatchObject({
      enabled: true,
      type: 'http',
      endpoint: '/health',
    });
  });

  it('keeps grpc and tcp checks without inventing an endpoint', () => {
    expect(health('health_check: { type: tcp }')).toMatchObject({ enabled: true, type: 'tcp' });
    expect(health('health_check: { type: tcp }').endpoint).toBeUndefined();
    expect(health('health_check: { type: grpc, endpoint: acme.Orders }')).toMatchObject({
      enabled: true,
      type: 'grpc',
      endpoint: 'acme.Orders',
    });
  });

  it('is off (type none) with enabled: false, even with an endpoint', () => {
    expect(health('health_check: { enabled: false, endpoint: /health }')).toMatchObject({
      enabled: false,
      type: 'none',
    });
  });

  it('is off with type: none', () => {
    expect(health('health_check: { type: none }')).toMatchObject({ enabled: false, type: 'none' });
  });

  it.each([
    ['30s', 30_000, 2000],
    ['2s', 2000, 2000],
    ['1s', 1000, 1000],
    ['500ms', 500, 500],
  ])('defaults the timeout to min(2s, interval) for interval %s', (text, interval, timeout) => {
    expect(health(`health_check: { type: tcp, interval: ${text} }`)).toMatchObject({
      interval,
      timeout,
    });
  });

  it('keeps an explicit timeout', () => {
    expect(health('health_check: { interval: 30s, timeout: 5s }').timeout).toBe(5000);
  });
});

describe('per-process secrets env_file', () => {
  it('defaults to <paths.data>/<name>.env, following a configured data directory', () => {
    const config = parse(yaml`
      paths: { data: ./var }
      processes:
        - name: billing
          binary_path: ./billing
    `);
    expect(config.processes[0]!.secrets.env_file).toBe(join(CONFIG_DIR, 'var', 'billing.env'));
  });

  it('follows the data directory given on the command line', () => {
    const data = join(CONFIG_DIR, 'elsewhere', 'data');
    const config = parse(MINIMAL, { paths: { data } });
    expect(config.paths.data).toBe(data);
    expect(config.processes[0]!.secrets.env_file).toBe(join(data, 'api.env'));
  });

  it('resolves an explicit env_file against the config directory', () => {
    const proc = onlyProcess(withProcessLines('secrets: { env_file: ./env/api.env }'));
    expect(proc.secrets.env_file).toBe(join(CONFIG_DIR, 'env', 'api.env'));
  });
});
