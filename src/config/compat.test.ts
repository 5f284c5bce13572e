/**
 * Configs in the shape the original Go gowinproc wrote (its example, its load-balancer example
 * and a production-style site) load unchanged, with the same meaning. The fixtures are our own.
 */
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFixture } from '../../test/fixtures/config/support.js';
import { tempDir } from '../../test/helpers/temp-dir.js';
import type { Config } from './index.js';
import { loadConfigFile } from './load.js';

const load = (name: string): Promise<Config> => loadConfigFile(configFixture(name), { env: {} });

describe('the standalone example', () => {
  it('loads with the original meaning and our defaults for the rest', async () => {
    const config = await load('standalone.yaml');
    const dir = dirname(configFixture('standalone.yaml'));
    expect(config.server).toMatchObject({
      host: 'localhost',
      port: 8090,
      grpc_port: 50052,
      read_timeout: 15_000,
      write_timeout: 45_000,
    });
    expect(config.secrets.mode).toBe('standalone');
    expect(config.github.mode).toBe('standalone');
    expect(config.github.update_mode.polling).toEqual({ enabled: false, interval: 600_000 });
    expect(config.tunnel.enabled).toBe(false);
    expect(config.processes).toHaveLength(1);
    expect(config.processes[0]).toMatchObject({
      name: 'inventory-api',
      repository: 'acme-labs/inventory-api',
      binary_path: join(dir, 'binaries', 'inventory-api', 'current', 'inventory-api.exe'),
      args: ['--listen', '7400', '--verbose'],
      env: { APP_NAME: 'inventory-api', LOG_FORMAT: 'json', WORKERS: '4' },
      work_dir: join(dir, 'services', 'inventory'),
      port: 7400,
      instances: 1,
      min_instances: 1,
      max_instances: 3,
      restart: { policy: 'on-failure' },
      health_check: {
        enabled: true,
        type: 'http',
        endpoint: 'http://127.0.0.1:7400/healthz',
        interval: 20_000,
        timeout: 3000,
        retries: 5,
      },
      secrets: { enabled: true, source: 'local', env_file: join(dir, 'data', 'inventory-api.env') },
    });
  });

  it('resolves its relative paths against wherever the file is', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    copyFileSync(configFixture('standalone.yaml'), file);
    const config = await loadConfigFile(file, { env: {} });
    expect(config.source).toBe(file);
    expect(config.paths.data).toBe(join(dir, 'data'));
    expect(config.processes[0]!.work_dir).toBe(join(dir, 'services', 'inventory'));
  });
});

describe('the load-balancer example', () => {
  it('loads four processes with their instance bounds and health checks', async () => {
    const config = await load('load-balancer.yaml');
    expect(config.processes.map((p) => [p.name, p.instances, p.max_instances])).toEqual([
      ['catalog_service', 1, 3],
      ['cart_service', 1, 2],
      ['shipping_service', 1, 2],
      ['billing_service', 1, 1],
    ]);
    for (const proc of config.processes) {
      expect(proc.restart.policy).toBe('on-failure');
      expect(proc.health_check).toMatchObject({
        enabled: true,
        type: 'http',
        endpoint: '/healthz',
        interval: 15_000,
        timeout: 2000,
      });
      expect(proc.repository).toMatch(/^acme-labs\//);
    }
    expect(config.github.update_mode.polling).toEqual({ enabled: true, interval: 600_000 });
  });

  it('loads two balancers with regex routes and their strategies', async () => {
    const config = await load('load-balancer.yaml');
    expect(config.load_balancers.map((b) => [b.name, b.listen_port, b.protocol])).toEqual([
      ['storefront_lb', 6100, 'grpc'],
      ['mesh_lb', 7100, 'grpc'],
    ]);
    const storefront = config.load_balancers[0]!;
    expect(storefront.routes.map((r) => [r.target_processes, r.strategy])).toEqual([
      [['catalog_service'], 'round_robin'],
      [['cart_service'], 'round_robin'],
      [['shipping_service'], 'round_robin'],
      [['billing_service'], 'primary'],
    ]);
    expect(storefront.routes[0]!.methods).toEqual(['.*/catalog\\..*', '.*/Catalog.*']);
    const catalog = new RegExp(storefront.routes[0]!.methods[0]!);
    expect(catalog.test('/catalog.v1.Catalog/GetItem')).toBe(true);
    expect(catalog.test('/cart.v1.Cart/Add')).toBe(false);
    expect(config.load_balancers[1]!.routes).toEqual([
      {
        methods: ['.*'],
        target_processes: ['catalog_service', 'cart_service', 'shipping_service'],
        strategy: 'round_robin',
      },
    ]);
  });
});

describe('the production-style config', () => {
  it('loads the tunnel and the Cloudflare secrets and github modes', async () => {
    const config = await load('production.yaml');
    const dir = dirname(configFixture('production.yaml'));
    const key = join(dir, 'keys', 'edge-node.pem');
    expect(config.tunnel).toEqual({
      enabled: true,
      port: 8090,
      protocol: 'http2',
      client_id: 'edge-node-7',
      worker_url: 'https://auth-gateway.example.net',
      private_key_path: key,
      require_auth: true,
    });
    expect(config.secrets).toMatchObject({
      mode: 'cloudflare',
      override: true,
      cloudflare: { worker_url: 'https://auth-gateway.example.net', private_key_path: key },
    });
    expect(config.github.mode).toBe('cloudflare');
    expect(config.github.update_mode.polling).toEqual({ enabled: true, interval: 180_000 });
  });

  it('runs repository-only processes with their env, secrets_keys and health checks', async () => {
    const config = await load('production.yaml');
    expect(config.processes.map((p) => p.name)).toEqual([
      'ledger_staging',
      'ledger_live',
      'invoice_renderer',
      'report_mailer',
    ]);
    for (const proc of config.processes) {
      expect(proc.binary_path).toBeUndefined();
      expect(proc.repository).toMatch(/^acme-labs\//);
      expect(proc.restart.policy).toBe('on-failure');
    }
    const [staging, live, renderer, mailer] = config.processes as [
      Config['processes'][number],
      Config['processes'][number],
      Config['processes'][number],
      Config['processes'][number],
    ];
    expect(staging).toMatchObject({
      env: { LEDGER_ENV: 'staging' },
      secrets_keys: ['LEDGER_DB_HOST', 'LEDGER_DB_USER', 'LEDGER_DB_PASSWORD'],
      max_instances: 2,
      health_check: {
        enabled: true,
        type: 'http',
        endpoint: '/healthz',
        interval: 20_000,
        timeout: 4000,
        retries: 4,
      },
    });
    expect(staging.port).toBeUndefined();
    expect(live).toMatchObject({ port: 5120, max_instances: 3, env: { LEDGER_ENV: 'live' } });
    expect(renderer).toMatchObject({
      env: { RENDER_HEADLESS: 'true' },
      secrets_keys: [],
      health_check: { enabled: false, type: 'none' },
    });
    expect(mailer).toMatchObject({
      max_instances: 1,
      env: { OUTBOX_DIR: './outbox', LEDGER_GRPC_ADDR: 'localhost:5120' },
      health_check: { enabled: false, type: 'none' },
    });
  });
});
