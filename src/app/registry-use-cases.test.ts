import { describe, expect, it } from 'vitest';
import { startGrpcApp } from '../../test/helpers/grpc-app.js';
import { DaemonError } from '../shared/index.js';
import { liveTunnelUrl } from './registry-use-cases.js';

const CATALOG = 'fixture.catalog.Catalog';

describe('RegistryUseCases over a supervisor running gRPC services', () => {
  it('lists every process with the services and messages of a ready instance', async () => {
    const { app, supervisor } = await startGrpcApp(
      [
        { name: 'catalog', instances: 2, repository: 'acme/catalog' },
        { name: 'idle', instances: 0 },
        { name: 'silent', instances: 1, reflection: 'none' },
      ],
      { apiUrl: () => 'http://127.0.0.1:8123' },
    );
    const registry = await app.registry.registry();
    expect(registry.proxy_base_url).toBe('http://127.0.0.1:8123');
    expect(new Date(registry.timestamp).toISOString()).toBe(registry.timestamp);
    expect(registry.available_processes.map((p) => p.name)).toEqual(['catalog', 'idle', 'silent']);

    const [catalog, idle, silent] = registry.available_processes;
    const ports = supervisor
      .program('catalog')
      .ready()
      .map((i) => i.port);
    expect(catalog).toMatchObject({
      name: 'catalog',
      display_name: 'catalog',
      status: 'healthy',
      instances: 2,
      proxy_path: '/api/invoke?process=catalog',
      repository: 'acme/catalog',
      current_ports: ports,
    });
    expect(catalog!.services.map((s) => s.name)).toEqual([CATALOG]);
    expect(catalog!.services[0]!.methods[0]).toEqual({
      name: 'AddItems',
      input_type: '.fixture.catalog.AddItemsRequest',
      output_type: '.fixture.catalog.AddItemsReply',
    });
    expect(catalog!.messages['.fixture.catalog.AddItemsRequest']?.fields[0]).toEqual({
      name: 'items',
      type: '.fixture.catalog.Item',
      repeated: true,
      number: 1,
      optional: false,
    });
    // No ready instance: listed, without services; reflection failing: the same, and no error.
    expect(idle).toMatchObject({
      status: 'stopped',
      instances: 0,
      current_ports: [],
      services: [],
    });
    expect(silent).toMatchObject({ status: 'healthy', instances: 1, services: [], messages: {} });
  });

  it('invokes a unary method on the ready instances in turn', async () => {
    const { app, supervisor } = await startGrpcApp([{ name: 'catalog', instances: 2 }]);
    const ids = supervisor
      .program('catalog')
      .ready()
      .map((i) => i.id);
    const servedBy: string[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await app.registry.invoke({
        process: 'catalog',
        service: CATALOG,
        method: 'AddItems',
        data: JSON.stringify({ items: [{ item_id: `i${i}` }], requestedBy: 'test' }),
      });
      expect(result.success).toBe(true);
      const data = JSON.parse(result.data) as { itemIds: string[]; servedBy: string };
      expect(data.itemIds).toEqual([`i${i}`]);
      servedBy.push(data.servedBy);
    }
    expect(servedBy).toEqual([ids[0], ids[1], ids[0], ids[1]]);
  });

  it('answers a failing method with success: false and its status; bad requests throw', async () => {
    const { app } = await startGrpcApp([{ name: 'catalog', instances: 1 }]);
    const call = (request: Partial<Parameters<typeof app.registry.invoke>[0]>) =>
      app.registry.invoke({
        process: 'catalog',
        service: CATALOG,
        method: 'Fail',
        data: '',
        ...request,
      });

    expect(await call({ data: '{"code": 7, "message": "not yours"}' })).toEqual({
      success: false,
      data: '',
      error: 'PERMISSION_DENIED: not yours',
    });
    const failure = async (request: Parameters<typeof call>[0]) => {
      const error = await call(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DaemonError);
      return error as DaemonError;
    };
    expect((await failure({ process: 'nope' })).code).toBe('process_not_found');
    expect((await failure({ service: ' ' })).message).toBe('service is required');
    expect((await failure({ data: '{' })).code).toBe('invalid_argument');
    expect((await failure({ method: 'Nope' })).code).toBe('not_found');
  });

  it('says so when a process has no ready instance to call', async () => {
    const { app } = await startGrpcApp([{ name: 'idle', instances: 0 }]);
    const error = (await app.registry
      .invoke({ process: 'idle', service: CATALOG, method: 'AddItems', data: '{}' })
      .catch((e: unknown) => e)) as DaemonError;
    expect(error.code).toBe('instance_unreachable');
    expect(error.message).toBe('process idle has no ready instance to call');
  });

  it('gives the tunnel URL as the base while the tunnel is up, else the API URL', async () => {
    let state: 'connected' | 'backoff' = 'connected';
    const { app } = await startGrpcApp([{ name: 'idle', instances: 0 }], {
      apiUrl: () => 'http://127.0.0.1:9999',
      tunnel: {
        status: () => ({
          state,
          url: 'https://a-b.trycloudflare.com',
          registered: true,
          restarts: 0,
          since: 0,
        }),
      },
    });
    expect((await app.registry.registry()).proxy_base_url).toBe('https://a-b.trycloudflare.com');
    state = 'backoff';
    expect((await app.registry.registry()).proxy_base_url).toBe('http://127.0.0.1:9999');
  });

  it('falls back to the configured address without an API URL', async () => {
    const { app } = await startGrpcApp([{ name: 'idle', instances: 0 }]);
    expect((await app.registry.registry()).proxy_base_url).toBe('http://127.0.0.1:8123');
  });
});

describe('liveTunnelUrl', () => {
  it('is the URL only while cloudflared serves it', () => {
    const view = {
      enabled: true,
      url: 'https://x.trycloudflare.com',
      registered: false,
      restarts: 0,
    };
    expect(liveTunnelUrl({ ...view, state: 'registering' })).toBe('https://x.trycloudflare.com');
    expect(liveTunnelUrl({ ...view, state: 'stopped' })).toBeUndefined();
    expect(liveTunnelUrl({ ...view, state: 'connected', url: null })).toBeUndefined();
  });
});
