/**
 * What the daemon knows about its instances' gRPC APIs: the reflected descriptors of each
 * instance, cached for a short while per pid and port (a restarted instance is a new pid and is
 * asked again), and dynamic unary calls with JSON. Failed reflections are remembered briefly too,
 * so a registry view does not wait for the same silent instance on every request.
 */
import type { FileRegistry } from '@bufbuild/protobuf';
import { DaemonError, type Clock } from '../../shared/index.js';
import { describeServices } from './catalog.js';
import { withInstanceConnection, type ConnectionOptions } from './connection.js';
import { buildFileRegistry } from './file-registry.js';
import { findUnaryMethod, invokeUnary } from './invoke-unary.js';
import { reflectDescriptors, type ReflectionVersion } from './reflection-client.js';
import type { InstanceAddress, InvokeOutcome, ServiceCatalog } from './types.js';

export interface GrpcIntrospectorOptions {
  clock: Clock;
  /** Deadline for one reflection or one call, connection included (default 5 s). */
  timeoutMs?: number;
  /** How long reflected descriptors are reused (default 30 s). */
  cacheTtlMs?: number;
  /** How long a failed reflection is reused (default 5 s). */
  failureTtlMs?: number;
  /** Where instances listen (default 127.0.0.1, as the health probes). */
  host?: string;
}

export interface InstanceDescriptors {
  version: ReflectionVersion;
  serviceNames: string[];
  registry: FileRegistry;
  catalog: ServiceCatalog;
}

interface CacheEntry {
  expiresAt: number;
  descriptors: Promise<InstanceDescriptors>;
}

export class GrpcIntrospector {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly timeoutMs: number;
  private readonly cacheTtlMs: number;
  private readonly failureTtlMs: number;
  private readonly host: string;

  constructor(private readonly options: GrpcIntrospectorOptions) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    this.failureTtlMs = options.failureTtlMs ?? 5_000;
    this.host = options.host ?? '127.0.0.1';
  }

  /** Services and messages of an instance. Throws DaemonError (instance_unreachable). */
  async describe(instance: InstanceAddress): Promise<ServiceCatalog> {
    return (await this.descriptors(instance)).catalog;
  }

  /**
   * Calls `service`/`method` with the JSON text `data`. Throws DaemonError: invalid_argument
   * (bad JSON, a streaming method), not_found (service, method), instance_unreachable.
   */
  async invoke(
    instance: InstanceAddress,
    request: { service: string; method: string; data: string },
  ): Promise<InvokeOutcome> {
    const descriptors = await this.descriptors(instance);
    const method = findUnaryMethod(
      descriptors.registry,
      descriptors.serviceNames,
      request.service,
      request.method,
    );
    return withInstanceConnection(this.connectionOptions(instance.port), (connection) =>
      invokeUnary(connection, method, request.data, descriptors.registry),
    );
  }

  /** Reflected descriptors of an instance, from the cache while fresh. */
  descriptors(instance: InstanceAddress): Promise<InstanceDescriptors> {
    const now = this.options.clock.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
    const key = `${instance.pid}:${instance.port}`;
    const cached = this.cache.get(key);
    if (cached) return cached.descriptors;
    const descriptors = this.reflect(instance.port);
    const entry: CacheEntry = { expiresAt: now + this.cacheTtlMs, descriptors };
    this.cache.set(key, entry);
    descriptors.catch(() => {
      entry.expiresAt = Math.min(entry.expiresAt, this.options.clock.now() + this.failureTtlMs);
    });
    return descriptors;
  }

  private async reflect(port: number): Promise<InstanceDescriptors> {
    const reflected = await withInstanceConnection(this.connectionOptions(port), (connection) =>
      reflectDescriptors(connection),
    );
    const built = (() => {
      try {
        return buildFileRegistry(reflected.files);
      } catch (error) {
        throw new DaemonError(
          'instance_unreachable',
          `the descriptors from server reflection on port ${port} are incomplete: ${(error as Error).message}`,
          { cause: error },
        );
      }
    })();
    return {
      version: reflected.version,
      serviceNames: reflected.serviceNames,
      registry: built.registry,
      catalog: describeServices(built.files, reflected.serviceNames),
    };
  }

  private connectionOptions(port: number): ConnectionOptions {
    return { host: this.host, port, timeoutMs: this.timeoutMs, clock: this.options.clock };
  }
}
