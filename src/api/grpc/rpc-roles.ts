/**
 * The role each RPC needs, as rest.md's roles: reads (List*, Get*, Watch*) viewer; actions
 * (start, stop, restart, scale, update, rollback, invoke) operator. Health and reflection are
 * public (grpcurl discovery, load balancer probes). A method missing from every table needs admin:
 * an RPC added to the proto without a role is closed, not open.
 */
import type { DescMethod } from '@bufbuild/protobuf';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import { ServerReflection as ServerReflectionV1 } from '../../gen/grpc/reflection/v1/reflection_pb.js';
import { ServerReflection as ServerReflectionV1alpha } from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import { ProcessManager } from '../../gen/proto/process_manager_pb.js';
import { TunnelService } from '../../gen/tunnel/tunnel_pb.js';
import type { Requirement } from '../auth/index.js';

/** Keyed by the generated method names: a new RPC in the proto fails typecheck until it has a role. */
export const PROCESS_MANAGER_ROLES: Record<keyof (typeof ProcessManager)['method'], Requirement> = {
  listProcesses: 'viewer',
  getProcess: 'viewer',
  startProcess: 'operator',
  stopProcess: 'operator',
  restartProcess: 'operator',
  getMetrics: 'viewer',
  scaleProcess: 'operator',
  updateAllProcesses: 'operator',
  updateProcess: 'operator',
  getProcessVersion: 'viewer',
  listAvailableUpdates: 'viewer',
  rollbackProcess: 'operator',
  watchUpdate: 'viewer',
  listRepositories: 'viewer',
  watchEvents: 'viewer',
};

export const TUNNEL_SERVICE_ROLES: Record<keyof (typeof TunnelService)['method'], Requirement> = {
  getRegistry: 'viewer',
  // Calls a method of a managed process, which may change its state.
  invokeMethod: 'operator',
};

const PUBLIC_SERVICES = new Set([
  Health.typeName,
  ServerReflectionV1.typeName,
  ServerReflectionV1alpha.typeName,
]);

const BY_SERVICE = new Map<string, Record<string, Requirement>>([
  [ProcessManager.typeName, PROCESS_MANAGER_ROLES],
  [TunnelService.typeName, TUNNEL_SERVICE_ROLES],
]);

export function rpcRequirement(method: DescMethod): Requirement {
  const service = method.parent.typeName;
  if (PUBLIC_SERVICES.has(service)) return 'public';
  const table = BY_SERVICE.get(service);
  return (
    (table && Object.hasOwn(table, method.localName) ? table[method.localName] : undefined) ??
    'admin'
  );
}
