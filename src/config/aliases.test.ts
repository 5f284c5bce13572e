import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_DIR,
  CONFIG_FILE,
  configFixture,
  parse,
  problemAt,
  problemOf,
  problemsOf,
  yaml,
} from '../../test/fixtures/config/support.js';
import type { Config } from './index.js';
import { loadConfigFile } from './load.js';

const proc = (...lines: string[]) =>
  `processes:\n  - name: api\n${lines.map((l) => `    ${l}\n`).join('')}`;

describe('the README/DESIGN schema of the original gowinproc', () => {
  it.each<[string, string, (c: Config) => unknown, unknown]>([
    ['manager.api_port', 'manager:\n  api_port: 8181\n', (c) => c.server.port, 8181],
    ['manager.grpc_port', 'manager:\n  grpc_port: 50061\n', (c) => c.server.grpc_port, 50061],
    ['manager.log_level', 'manager:\n  log_level: warn\n', (c) => c.log_level, 'warn'],
    [
      'manager.certificates.auto_generate',
      'manager:\n  certificates:\n    auto_generate: false\n',
      (c) => c.certificates.auto_generate,
      false,
    ],
    [
      'manager.certificates.cert_dir',
      'manager:\n  certificates:\n    cert_dir: ./tls\n',
      (c) => c.paths.certs,
      join(CONFIG_DIR, 'tls'),
    ],
    [
      'manager.certificates.key_size',
      'manager:\n  certificates:\n    key_size: 4096\n',
      (c) => c.certificates.key_size,
      4096,
    ],
    [
      'manager.certificates.validity_days',
      'manager:\n  certificates:\n    validity_days: 90\n',
      (c) => c.certificates.validity_days,
      90,
    ],
    [
      'manager.certificates.organization',
      'manager:\n  certificates:\n    organization: Acme Labs\n',
      (c) => c.certificates.organization,
      'Acme Labs',
    ],
    [
      'manager.certificates.common_name',
      'manager:\n  certificates:\n    common_name: svc.acme.test\n',
      (c) => c.certificates.common_name,
      'svc.acme.test',
    ],
    [
      'cloudflare.auth_worker.url',
      'cloudflare:\n  auth_worker:\n    url: https://auth.acme.test\n',
      (c) => c.secrets.cloudflare.worker_url,
      'https://auth.acme.test',
    ],
    [
      'cloudflare.auth_worker.client_id',
      'cloudflare:\n  auth_worker:\n    client_id: node-3\n',
      (c) => c.secrets.cloudflare.client_id,
      'node-3',
    ],
    [
      'cloudflare.auth_worker.private_key_path',
      'cloudflare:\n  auth_worker:\n    private_key_path: ./keys/node.pem\n',
      (c) => c.secrets.cloudflare.private_key_path,
      join(CONFIG_DIR, 'keys', 'node.pem'),
    ],
    [
      'cloudflare.auth_worker.retry_max',
      'cloudflare:\n  auth_worker:\n    retry_max: 7\n',
      (c) => c.secrets.cloudflare.retry_max,
      7,
    ],
    [
      'cloudflare.auth_worker.retry_backoff',
      'cloudflare:\n  auth_worker:\n    retry_backoff: 4s\n',
      (c) => c.secrets.cloudflare.retry_backoff,
      4000,
    ],
    [
      'cloudflare.webhook_worker.url',
      'cloudflare:\n  webhook_worker:\n    url: https://releases.acme.test\n',
      (c) => c.github.cloudflare.worker_url,
      'https://releases.acme.test',
    ],
    [
      'cloudflare.webhook_worker.poll_interval',
      'cloudflare:\n  webhook_worker:\n    poll_interval: 90s\n',
      (c) => c.github.update_mode.polling.interval,
      90_000,
    ],
    [
      'cloudflare.tunnel',
      'cloudflare:\n  tunnel:\n    enabled: true\n    port: 8443\n    protocol: quic\n',
      (c) => c.tunnel,
      { enabled: true, port: 8443, protocol: 'quic', require_auth: true },
    ],
    [
      'processes[].executable',
      proc('executable: ./bin/api'),
      (c) => c.processes[0]!.binary_path,
      join(CONFIG_DIR, 'bin', 'api'),
    ],
    [
      'processes[].working_dir',
      proc('binary_path: ./api', 'working_dir: ./run'),
      (c) => c.processes[0]!.work_dir,
      join(CONFIG_DIR, 'run'),
    ],
    [
      'processes[].health_check_url',
      proc('binary_path: ./api', 'health_check_url: /ready'),
      (c) => c.processes[0]!.health_check,
      expect.objectContaining({ enabled: true, type: 'http', endpoint: '/ready' }),
    ],
    [
      'processes[].github.repo',
      proc('binary_path: ./api', 'github:', '  repo: acme/api'),
      (c) => c.processes[0]!.repository,
      'acme/api',
    ],
    [
      'processes[].github.token',
      proc('binary_path: ./api', 'github:', '  repo: acme/api', '  token: ghp_per_process'),
      (c) => c.processes[0]!.github.token,
      'ghp_per_process',
    ],
  ])('%s is read as its canonical key', (_alias, text, pick, expected) => {
    expect(pick(parse(text))).toEqual(expected);
  });

  it('cloudflare.enabled: true means secrets.mode: cloudflare (github stays standalone)', () => {
    const config = parse(yaml`
      cloudflare:
        enabled: true
        auth_worker:
          url: https://auth.acme.test
    `);
    expect(config.secrets.mode).toBe('cloudflare');
    expect(config.github.mode).toBe('standalone');
  });

  it('cloudflare.enabled: true with a webhook_worker also means github.mode: cloudflare', () => {
    const config = parse(yaml`
      cloudflare:
        enabled: true
        webhook_worker:
          url: https://releases.acme.test
    `);
    expect(config.secrets.mode).toBe('cloudflare');
    expect(config.github.mode).toBe('cloudflare');
  });

  it('cloudflare.enabled: false changes no mode but still moves the worker settings', () => {
    const config = parse(yaml`
      cloudflare:
        enabled: false
        auth_worker:
          url: https://auth.acme.test
        webhook_worker:
          url: https://releases.acme.test
    `);
    expect(config.secrets.mode).toBe('standalone');
    expect(config.github.mode).toBe('standalone');
    expect(config.secrets.cloudflare.worker_url).toBe('https://auth.acme.test');
    expect(config.github.cloudflare.worker_url).toBe('https://releases.acme.test');
  });

  it('accepts cloudflare.enabled together with the same mode written canonically', () => {
    const config = parse('secrets:\n  mode: cloudflare\ncloudflare:\n  enabled: true\n');
    expect(config.secrets.mode).toBe('cloudflare');
  });

  it('merges moved keys into canonical sections that hold other keys', () => {
    const config = parse(yaml`
      server:
        host: 0.0.0.0
        auth: { insecure: true }
      certificates:
        key_type: ecdsa
      manager:
        api_port: 8181
        certificates:
          key_size: 384
    `);
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 8181 });
    expect(config.certificates).toMatchObject({ key_type: 'ecdsa', key_size: 384 });
  });

  it('puts health_check_url into a health_check section that sets other keys', () => {
    const config = parse(
      proc(
        'binary_path: ./api',
        'health_check_url: http://localhost:7000/up',
        'health_check:',
        '  interval: 10s',
      ),
    );
    expect(config.processes[0]!.health_check).toMatchObject({
      type: 'http',
      endpoint: 'http://localhost:7000/up',
      interval: 10_000,
    });
  });

  it('loads a README-style file exactly like its canonical translation', async () => {
    const legacy = await loadConfigFile(configFixture('readme-style.yaml'), { env: {} });
    const canonical = await loadConfigFile(configFixture('readme-style.canonical.yaml'), {
      env: {},
    });
    expect({ ...legacy, source: '' }).toEqual({ ...canonical, source: '' });
    expect(legacy.server.port).toBe(8181);
    expect(legacy.secrets.mode).toBe('cloudflare');
    expect(legacy.github.mode).toBe('cloudflare');
    expect(legacy.tunnel.protocol).toBe('quic');
    expect(legacy.processes[0]).toMatchObject({
      repository: 'acme-labs/orders',
      health_check: { type: 'http', endpoint: '/ready' },
      github: { token: 'ghp_orders_readme_token' },
    });
  });
});

describe('errors in aliased values are reported where the user wrote them', () => {
  it.each([
    ['manager:\n  api_port: abc\n', 2, 'manager.api_port', 'invalid port "abc"'],
    ['manager:\n  log_level: chatty\n', 2, 'manager.log_level', '"chatty"'],
    [
      'manager:\n  certificates:\n    cert_dir: 5\n',
      3,
      'manager.certificates.cert_dir',
      'expected a string, got number 5',
    ],
    ['manager:\n  certificates:\n    key_size: 12\n', 3, 'manager.certificates.key_size', '12'],
    [
      'cloudflare:\n  auth_worker:\n    url: not-a-url\n',
      3,
      'cloudflare.auth_worker.url',
      '"not-a-url"',
    ],
    [
      'cloudflare:\n  auth_worker:\n    client_id: has space\n',
      3,
      'cloudflare.auth_worker.client_id',
      '"has space"',
    ],
    [
      'cloudflare:\n  auth_worker:\n    retry_backoff: 3\n',
      3,
      'cloudflare.auth_worker.retry_backoff',
      'invalid duration 3',
    ],
    [
      'cloudflare:\n  webhook_worker:\n    poll_interval: often\n',
      3,
      'cloudflare.webhook_worker.poll_interval',
      'invalid duration "often"',
    ],
    [
      'cloudflare:\n  tunnel:\n    port: nope\n',
      3,
      'cloudflare.tunnel.port',
      'invalid port "nope"',
    ],
    ['cloudflare:\n  tunnel: yes\n', 2, 'cloudflare.tunnel', 'expected a mapping'],
    [proc('executable: 5'), 3, 'processes[0].executable', 'expected a string, got number 5'],
    [proc('binary_path: ./a', 'working_dir: [x]'), 4, 'processes[0].working_dir', 'a list'],
    [
      proc('binary_path: ./a', 'health_check_url: localhost/health'),
      4,
      'processes[0].health_check_url',
      'invalid endpoint "localhost/health"',
    ],
    [
      proc('binary_path: ./a', 'github:', '  repo: not-a-repo'),
      5,
      'processes[0].github.repo',
      '"not-a-repo"',
    ],
  ])('%j', (text, line, key, fragment) => {
    const problem = problemOf(text);
    expect(problem).toMatchObject({ file: CONFIG_FILE, line, key });
    expect(problem.message).toContain(fragment);
  });

  it('reports unknown keys inside an aliased section under the alias', () => {
    expect(problemOf('cloudflare:\n  tunnel:\n    enabeld: true\n')).toMatchObject({
      line: 3,
      key: 'cloudflare.tunnel.enabeld',
      message: 'unknown key "enabeld" (did you mean "enabled"?)',
    });
  });

  it('rejects a cloudflare.enabled that is not a boolean', () => {
    expect(problemOf('cloudflare:\n  enabled: "yes please"\n')).toMatchObject({
      line: 2,
      key: 'cloudflare.enabled',
      message: 'expected true or false, got "yes please"',
    });
  });
});

describe('a key set both ways', () => {
  it.each([
    ['server:\n  port: 8080\nmanager:\n  api_port: 8181\n', 4, 'manager.api_port', 'server.port'],
    [
      'server:\n  grpc_port: 1\nmanager:\n  grpc_port: 2\n',
      4,
      'manager.grpc_port',
      'server.grpc_port',
    ],
    ['log_level: info\nmanager:\n  log_level: debug\n', 3, 'manager.log_level', 'log_level'],
    [
      'paths:\n  certs: ./a\nmanager:\n  certificates:\n    cert_dir: ./b\n',
      5,
      'manager.certificates.cert_dir',
      'paths.certs',
    ],
    [
      'certificates:\n  key_size: 2048\nmanager:\n  certificates:\n    key_size: 4096\n',
      5,
      'manager.certificates.key_size',
      'certificates.key_size',
    ],
    [
      'secrets:\n  cloudflare:\n    worker_url: https://a.test\ncloudflare:\n  auth_worker:\n    url: https://b.test\n',
      6,
      'cloudflare.auth_worker.url',
      'secrets.cloudflare.worker_url',
    ],
    [
      'github:\n  update_mode:\n    polling:\n      interval: 1m\ncloudflare:\n  webhook_worker:\n    poll_interval: 2m\n',
      7,
      'cloudflare.webhook_worker.poll_interval',
      'github.update_mode.polling.interval',
    ],
    [
      'tunnel:\n  enabled: false\ncloudflare:\n  tunnel:\n    enabled: true\n',
      4,
      'cloudflare.tunnel',
      'tunnel',
    ],
    [
      proc('binary_path: ./a', 'executable: ./b'),
      4,
      'processes[0].executable',
      'processes[0].binary_path',
    ],
    [
      proc('binary_path: ./a', 'work_dir: ./a', 'working_dir: ./b'),
      5,
      'processes[0].working_dir',
      'processes[0].work_dir',
    ],
    [
      proc('binary_path: ./a', 'health_check:', '  endpoint: /a', 'health_check_url: /b'),
      6,
      'processes[0].health_check_url',
      'processes[0].health_check.endpoint',
    ],
    [
      proc('binary_path: ./a', 'repository: acme/a', 'github:', '  repo: acme/b'),
      6,
      'processes[0].github.repo',
      'processes[0].repository',
    ],
  ])('%j is an error naming both keys', (text, line, key, canonical) => {
    const problem = problemOf(text);
    expect(problem).toMatchObject({ file: CONFIG_FILE, line, key });
    expect(problem.message).toContain(`"${key}"`);
    expect(problem.message).toContain(`"${canonical}"`);
  });

  it('is an error when cloudflare.enabled contradicts secrets.mode', () => {
    const problem = problemOf('secrets:\n  mode: standalone\ncloudflare:\n  enabled: true\n');
    expect(problem).toMatchObject({ line: 4, key: 'cloudflare.enabled' });
    expect(problem.message).toContain('"cloudflare.enabled"');
    expect(problem.message).toContain('"secrets.mode"');
  });

  it('is an error when a webhook_worker under cloudflare.enabled contradicts github.mode', () => {
    const problem = problemOf(yaml`
      github:
        mode: standalone
      cloudflare:
        enabled: true
        webhook_worker:
          url: https://releases.acme.test
    `);
    expect(problem).toMatchObject({ line: 5, key: 'cloudflare.webhook_worker' });
    expect(problem.message).toContain('"github.mode"');
  });
});

describe('unknown keys left in the legacy sections', () => {
  it('reports each with the closest legacy key', () => {
    const problems = problemsOf(yaml`
      manager:
        api_prot: 8181
        certificates:
          key_sise: 4096
      cloudflare:
        tunel: {}
        auth_worker:
          uri: https://auth.acme.test
        webhook_worker:
          poll_intervall: 1m
    `);
    expect(problems).toHaveLength(5);
    expect(problemAt(problems, 'manager.api_prot')).toMatchObject({
      line: 2,
      message: 'unknown key "api_prot" (did you mean "api_port"?)',
    });
    expect(problemAt(problems, 'manager.certificates.key_sise')).toMatchObject({
      line: 4,
      message: 'unknown key "key_sise" (did you mean "key_size"?)',
    });
    expect(problemAt(problems, 'cloudflare.tunel')).toMatchObject({
      line: 6,
      message: 'unknown key "tunel" (did you mean "tunnel"?)',
    });
    expect(problemAt(problems, 'cloudflare.auth_worker.uri')).toMatchObject({
      line: 8,
      message: 'unknown key "uri" (did you mean "url"?)',
    });
    expect(problemAt(problems, 'cloudflare.webhook_worker.poll_intervall')).toMatchObject({
      line: 10,
      message: 'unknown key "poll_intervall" (did you mean "poll_interval"?)',
    });
  });

  it('does not guess when nothing is close', () => {
    expect(problemOf('manager:\n  dashboard_theme: dark\n')).toMatchObject({
      line: 2,
      key: 'manager.dashboard_theme',
      message: 'unknown key "dashboard_theme"',
    });
  });

  it.each([
    ['manager: 5\n', 1, 'manager', 'expected a mapping, got 5'],
    ['manager:\n  certificates: 5\n', 2, 'manager.certificates', 'expected a mapping, got 5'],
    ['cloudflare:\n  auth_worker: x\n', 2, 'cloudflare.auth_worker', 'expected a mapping, got "x"'],
  ])('says a legacy section is not a mapping: %j', (text, line, key, message) => {
    expect(problemOf(text)).toMatchObject({ line, key, message });
  });
});
