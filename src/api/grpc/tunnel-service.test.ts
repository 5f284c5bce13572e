import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { startGrpcApp } from '../../../test/helpers/grpc-app.js';
import { TunnelService } from '../../gen/tunnel/tunnel_pb.js';
import { errorInterceptor } from './interceptors.js';
import { tunnelServiceImpl } from './tunnel-service.js';

async function tunnelClient() {
  const { app, supervisor } = await startGrpcApp(
    [
      { name: 'catalog', instances: 1, repository: 'acme/catalog' },
      { name: 'idle', instances: 0 },
    ],
    { apiUrl: () => 'http://127.0.0.1:8123' },
  );
  const internalErrors: unknown[] = [];
  const transport = createRouterTransport(
    (router) => router.service(TunnelService, tunnelServiceImpl(app)),
    { router: { interceptors: [errorInterceptor((error) => internalErrors.push(error))] } },
  );
  return { client: createClient(TunnelService, transport), supervisor, internalErrors };
}

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => ConnectError.from(error),
  );
}

describe('TunnelService (in process, over the app facade)', () => {
  it('GetRegistry maps the registry to TunnelRegistryResponse', async () => {
    const { client, supervisor } = await tunnelClient();
    const response = await client.getRegistry({});
    expect(response.proxyBaseUrl).toBe('http://127.0.0.1:8123');
    expect(new Date(response.timestamp).toISOString()).toBe(response.timestamp);
    const [catalog, idle] = response.availableProcesses;
    expect(catalog).toMatchObject({
      name: 'catalog',
      displayName: 'catalog',
      status: 'healthy',
      instances: 1,
      proxyPath: '/api/invoke?process=catalog',
      repository: 'acme/catalog',
      currentPorts: [supervisor.program('catalog').ready()[0]!.port],
    });
    expect(catalog!.services.map((s) => s.name)).toEqual(['fixture.catalog.Catalog']);
    expect(catalog!.services[0]!.methods[1]).toMatchObject({
      name: 'Fail',
      inputType: '.fixture.catalog.FailRequest',
      outputType: '.fixture.catalog.AddItemsReply',
    });
    expect(catalog!.messages['.fixture.catalog.FailRequest']?.fields[0]).toMatchObject({
      name: 'code',
      type: 'int32',
      repeated: false,
      number: 1,
      optional: true,
    });
    expect(idle).toMatchObject({ name: 'idle', status: 'stopped', instances: 0, services: [] });
  });

  it('InvokeMethod calls the method with JSON text and answers JSON text', async () => {
    const { client } = await tunnelClient();
    const ok = await client.invokeMethod({
      process: 'catalog',
      service: 'fixture.catalog.Catalog',
      method: 'AddItems',
      data: '{"items":[{"item_id":"x","color":"RED"}]}',
    });
    expect(ok.success).toBe(true);
    expect(ok.error).toBe('');
    expect(JSON.parse(ok.data)).toMatchObject({ count: 1, itemIds: ['x'], firstColor: 'RED' });

    const failed = await client.invokeMethod({
      process: 'catalog',
      service: 'fixture.catalog.Catalog',
      method: 'Fail',
      data: '{"code": 9, "message": "not now"}',
    });
    expect(failed).toMatchObject({
      success: false,
      data: '',
      error: 'FAILED_PRECONDITION: not now',
    });
  });

  it('answers request problems with real status codes', async () => {
    const { client, internalErrors } = await tunnelClient();
    const call = (request: { process?: string; method?: string; data?: string }) =>
      failure(
        client.invokeMethod({
          process: 'catalog',
          service: 'fixture.catalog.Catalog',
          method: 'AddItems',
          ...request,
        }),
      );
    expect((await call({ process: 'nope' })).code).toBe(Code.NotFound);
    expect((await call({ method: 'Nope' })).code).toBe(Code.NotFound);
    const badJson = await call({ data: 'not json' });
    expect(badJson.code).toBe(Code.InvalidArgument);
    expect(badJson.rawMessage).toMatch(/^data is not valid JSON/);
    expect((await call({ process: 'idle' })).code).toBe(Code.Unavailable);
    expect(internalErrors).toEqual([]);
  });
});
