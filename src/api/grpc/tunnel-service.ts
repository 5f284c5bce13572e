/**
 * tunnel.TunnelService (grpc.md) over the app facade: GetRegistry and InvokeMethod, the gRPC twins
 * of GET /api/registry and POST /api/invoke. Errors are DaemonErrors, mapped to gRPC codes by the
 * server's error table; a failing invoked method is `success: false`, not an error.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import type { App, RegistryProcessView } from '../../app/index.js';
import type { TunnelProcessInfoSchema, TunnelService } from '../../gen/tunnel/tunnel_pb.js';

export function tunnelServiceImpl(app: App): ServiceImpl<typeof TunnelService> {
  return {
    async getRegistry() {
      const registry = await app.registry.registry();
      return {
        proxyBaseUrl: registry.proxy_base_url,
        availableProcesses: registry.available_processes.map(processInfo),
        timestamp: registry.timestamp,
      };
    },
    async invokeMethod(request) {
      const result = await app.registry.invoke({
        process: request.process,
        service: request.service,
        method: request.method,
        data: request.data,
      });
      return { success: result.success, data: result.data, error: result.error ?? '' };
    },
  };
}

function processInfo(view: RegistryProcessView): MessageInitShape<typeof TunnelProcessInfoSchema> {
  return {
    name: view.name,
    displayName: view.display_name,
    status: view.status,
    instances: view.instances,
    proxyPath: view.proxy_path,
    repository: view.repository,
    currentPorts: view.current_ports,
    services: view.services.map((service) => ({
      name: service.name,
      methods: service.methods.map((method) => ({
        name: method.name,
        inputType: method.input_type,
        outputType: method.output_type,
      })),
    })),
    messages: Object.fromEntries(
      Object.entries(view.messages).map(([key, message]) => [
        key,
        { name: message.name, fields: message.fields.map((field) => ({ ...field })) },
      ]),
    ),
  };
}
