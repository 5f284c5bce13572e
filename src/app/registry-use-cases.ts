/**
 * The registry of managed gRPC services (TunnelService.GetRegistry, GET /api/registry) and the
 * dynamic JSON call of one of their unary methods (TunnelService.InvokeMethod, POST /api/invoke),
 * in the shape of the original gowinproc's registry.
 *
 * Services and messages come from one ready instance of each process, by server reflection.
 * A process without a ready instance, or whose reflection fails, is listed with no services:
 * one silent instance never fails the whole registry.
 *
 * `proxy_path` is where a client invokes the process's methods: `/api/invoke?process=<name>`
 * (POST, body `{service, method, data}`), relative to `proxy_base_url`. The original pointed at
 * a `/proxy/<name>` gateway that this daemon does not have.
 */
import type { Supervisor } from '../core/index.js';
// Types only: the introspector (protobuf descriptors, HTTP/2 client) is loaded on first use, so a
// daemon that never serves the registry does not carry it in memory.
import type {
  GrpcIntrospector,
  InstanceAddress,
  MessageSummary,
  ServiceSummary,
} from '../services/grpc-introspection/index.js';
import { apiUrl, DaemonError, type Clock } from '../shared/index.js';
import type { TunnelView } from './tunnel-use-cases.js';
import { processSummary, type ProcessHealth } from './views.js';

export interface RegistryProcessView {
  name: string;
  display_name: string;
  /** The process status as GET /api/v1/processes shows it. */
  status: ProcessHealth;
  /** Ready instances (the ones that serve, as `current_ports`). */
  instances: number;
  proxy_path: string;
  /** The configured GitHub repository ("" when none). */
  repository: string;
  current_ports: number[];
  services: ServiceSummary[];
  /** Message schemas by full name with a leading dot (".demo.HelloRequest"). */
  messages: Record<string, MessageSummary>;
}

export interface RegistryView {
  proxy_base_url: string;
  available_processes: RegistryProcessView[];
  /** RFC 3339. */
  timestamp: string;
}

export interface InvokeRequest {
  process: string;
  /** Fully qualified ("demo.Greeter"; a leading dot is accepted). */
  service: string;
  method: string;
  /** The request message as JSON text ("" = an empty message). */
  data: string;
}

export interface InvokeResult {
  /** False when the method answered with a gRPC error status (`error` says which). */
  success: boolean;
  /** The response message as JSON text ("" when the method failed). */
  data: string;
  error?: string;
}

export interface RegistryUseCasesOptions {
  supervisor: Pick<Supervisor, 'list' | 'program' | 'currentConfig'>;
  clock: Clock;
  /**
   * The URL clients reach the daemon at: the public tunnel URL while it is up, else the API's
   * own. Undefined falls back to server.host:server.port from the config.
   */
  baseUrl?: () => string | undefined;
  /** Default: one with a 5 s deadline, on `clock`. */
  introspector?: GrpcIntrospector;
}

export class RegistryUseCases {
  private readonly supervisor: RegistryUseCasesOptions['supervisor'];
  private readonly clock: Clock;
  private introspecting: Promise<GrpcIntrospector> | undefined;
  private readonly nextInstance = new Map<string, number>();

  constructor(private readonly options: RegistryUseCasesOptions) {
    this.supervisor = options.supervisor;
    this.clock = options.clock;
    if (options.introspector) this.introspecting = Promise.resolve(options.introspector);
  }

  private introspector(): Promise<GrpcIntrospector> {
    this.introspecting ??= import('../services/grpc-introspection/index.js').then(
      ({ GrpcIntrospector: Introspector }) => new Introspector({ clock: this.clock }),
    );
    return this.introspecting;
  }

  private proxyBaseUrl(): string {
    const url = this.options.baseUrl?.();
    if (url !== undefined && url !== '') return url;
    const server = this.supervisor.currentConfig().server;
    return apiUrl(server.tls ? 'https' : 'http', server.host, server.port);
  }

  async registry(): Promise<RegistryView> {
    const processes = [...this.supervisor.list()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const introspector = await this.introspector();
    const available = await Promise.all(
      processes.map(async (program): Promise<RegistryProcessView> => {
        const ready = servingInstances(program.ready());
        const catalog = ready[0]
          ? await introspector.describe(ready[0]).catch(() => undefined)
          : undefined;
        return {
          name: program.name,
          display_name: program.name,
          status: processSummary(program).status,
          instances: ready.length,
          proxy_path: `/api/invoke?process=${encodeURIComponent(program.name)}`,
          repository: program.config.repository ?? '',
          current_ports: ready.map((i) => i.port),
          services: catalog?.services ?? [],
          messages: catalog?.messages ?? {},
        };
      }),
    );
    return {
      proxy_base_url: this.proxyBaseUrl(),
      available_processes: available,
      timestamp: new Date(this.clock.now()).toISOString(),
    };
  }

  /**
   * Calls a unary method on one ready instance (round robin). A gRPC error status from the method
   * is `success: false`; request problems and unreachable instances throw DaemonError.
   */
  async invoke(request: InvokeRequest): Promise<InvokeResult> {
    const program = this.supervisor.program(request.process);
    for (const [field, value] of [
      ['service', request.service],
      ['method', request.method],
    ] as const) {
      if (value.trim() === '') throw new DaemonError('invalid_argument', `${field} is required`);
    }
    const ready = servingInstances(program.ready());
    if (ready.length === 0) {
      throw new DaemonError(
        'instance_unreachable',
        `process ${program.name} has no ready instance to call`,
        { details: { process: program.name } },
      );
    }
    const turn = this.nextInstance.get(program.name) ?? 0;
    this.nextInstance.set(program.name, (turn + 1) % ready.length);
    const instance = ready[turn % ready.length]!;
    const outcome = await (
      await this.introspector()
    ).invoke(instance, {
      service: request.service,
      method: request.method,
      data: request.data,
    });
    return outcome.success
      ? { success: true, data: outcome.data }
      : { success: false, data: '', error: outcome.error };
  }
}

/** Ready instances with an OS process and a port: the ones reflection and calls can reach. */
function servingInstances(
  instances: ReadonlyArray<{ pid: number | undefined; port: number }>,
): InstanceAddress[] {
  return instances.flatMap((i) =>
    i.pid !== undefined && i.port > 0 ? [{ pid: i.pid, port: i.port }] : [],
  );
}

/** The tunnel's public URL while cloudflared serves it (registering included), else undefined. */
export function liveTunnelUrl(tunnel: TunnelView): string | undefined {
  const up = tunnel.state === 'connected' || tunnel.state === 'registering';
  return up && tunnel.url ? tunnel.url : undefined;
}
