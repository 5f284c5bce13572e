/**
 * A typed client of the daemon's REST API, used by the CLI (and the tray). Errors come back as
 * DaemonError with the daemon's code; an unreachable daemon is `daemon_unreachable`.
 */
import type {
  AutoscaleView,
  AvailableUpdateView,
  BalancerView,
  InstanceView,
  LogLineView,
  ProcessDetail,
  ProcessSummary,
  ProcessVersionView,
  RollbackStartedView,
  TunnelView,
  UpdateAllView,
  UpdateStartedView,
  UpdateStatusView,
} from '../app/index.js';
import { DaemonError, isErrorCode } from '../shared/index.js';

export interface ClientOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  /** Per-request timeout for ordinary calls (ms). Streams have none. */
  timeoutMs?: number;
}

export interface DaemonStatus {
  status: string;
  processes: number;
  total_instances: number;
  running_instances: number;
  ready_instances: number;
  version: string;
  uptime: number;
  pid: number;
}

export interface ReloadResult {
  message: string;
  added: string[];
  removed: string[];
  changed: string[];
  restartRequired: string[];
}

/** POST /api/v1/restart's answer: how the daemon comes back once it has stopped. */
export interface DaemonRestart {
  status: 'restarting';
  method: 'respawn' | 'service-manager';
}

/** The statuses after which an update or rollback changes no more. */
export const TERMINAL_UPDATE_STATUSES: ReadonlySet<UpdateStatusView['status']> = new Set([
  'completed',
  'failed',
  'rolled_back',
]);

export interface UpdateRequest {
  version?: string | undefined;
  force?: boolean | undefined;
  strategy?: string | undefined;
}

export class DaemonClient {
  readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  status(): Promise<DaemonStatus> {
    return this.request('GET', '/api/v1/status');
  }

  processes(): Promise<{ processes: string[]; count: number; items: ProcessSummary[] }> {
    return this.request('GET', '/api/v1/processes');
  }

  process(name: string): Promise<ProcessDetail> {
    return this.request('GET', `/api/v1/processes/${encodeURIComponent(name)}`);
  }

  balancers(): Promise<{ balancers: BalancerView[] }> {
    return this.request('GET', '/api/v1/balancers');
  }

  autoscale(name: string): Promise<AutoscaleView> {
    return this.request('GET', `/api/v1/processes/${encodeURIComponent(name)}/autoscale`);
  }

  start(
    name: string,
    options: { instance_id?: string; all?: boolean } = {},
  ): Promise<{ message: string; instance?: InstanceView; instances?: InstanceView[] }> {
    return this.request('POST', `/api/v1/processes/${encodeURIComponent(name)}/start`, options);
  }

  stop(
    name: string,
    options: { instance_id?: string; all?: boolean } = {},
  ): Promise<{ message: string }> {
    return this.request('POST', `/api/v1/processes/${encodeURIComponent(name)}/stop`, options);
  }

  restart(
    name: string,
    options: { instance_id?: string } = {},
  ): Promise<{ message: string; process: ProcessDetail }> {
    return this.request('POST', `/api/v1/processes/${encodeURIComponent(name)}/restart`, options);
  }

  scale(name: string, instances: number): Promise<{ message: string; process: ProcessDetail }> {
    return this.request('POST', `/api/v1/processes/${encodeURIComponent(name)}/scale`, {
      instances,
    });
  }

  logs(
    name: string,
    options: { instance?: string | undefined; tail?: number | undefined } = {},
  ): Promise<{ process: string; lines: LogLineView[] }> {
    return this.request(
      'GET',
      `/api/v1/processes/${encodeURIComponent(name)}/logs${query({ instance: options.instance, tail: options.tail })}`,
    );
  }

  /** Streams log lines (the tail first) until `signal` aborts or the daemon closes the stream. */
  async followLogs(
    name: string,
    options: { instance?: string | undefined; tail?: number | undefined },
    onLine: (line: LogLineView) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const path = `/api/v1/processes/${encodeURIComponent(name)}/logs${query({ instance: options.instance, tail: options.tail, follow: 1 })}`;
    const response = await this.send('GET', path, undefined, signal);
    await readSse(response, signal, (_event, data) => {
      onLine(JSON.parse(data) as LogLineView);
      return true;
    });
  }

  /** Starts an update of a process (default: to its latest release). */
  update(name: string, request: UpdateRequest = {}): Promise<UpdateStartedView> {
    return this.request(
      'POST',
      `/api/v1/processes/${encodeURIComponent(name)}/update`,
      defined(request),
    );
  }

  /** Updates every process with a repository whose latest release is not the one it runs. */
  updateAll(request: Omit<UpdateRequest, 'version'> = {}): Promise<UpdateAllView> {
    return this.request('POST', '/api/v1/update', defined(request));
  }

  /** Rolls a process back (default: to its previous version). */
  rollback(
    name: string,
    request: { version?: string | undefined } = {},
  ): Promise<RollbackStartedView> {
    return this.request(
      'POST',
      `/api/v1/processes/${encodeURIComponent(name)}/rollback`,
      defined(request),
    );
  }

  version(name: string): Promise<ProcessVersionView> {
    return this.request('GET', `/api/v1/processes/${encodeURIComponent(name)}/version`);
  }

  availableUpdates(): Promise<{ updates: AvailableUpdateView[] }> {
    return this.request('GET', '/api/v1/updates/available');
  }

  updateStatus(id: string): Promise<UpdateStatusView> {
    return this.request('GET', `/api/v1/updates/${encodeURIComponent(id)}`);
  }

  /**
   * Follows an update or rollback (its current status first, then each change) and resolves with
   * its last status: a terminal one, or, when the stream ends early (the daemon restarted), the
   * status asked once more. Resolves with undefined when `signal` aborts.
   */
  async followUpdate(
    id: string,
    onStatus: (status: UpdateStatusView) => void,
    signal?: AbortSignal,
  ): Promise<UpdateStatusView | undefined> {
    const response = await this.send(
      'GET',
      `/api/v1/updates/${encodeURIComponent(id)}/events`,
      undefined,
      signal,
    );
    let last: UpdateStatusView | undefined;
    await readSse(response, signal, (event, data) => {
      if (event !== 'status' && event !== 'message') return true;
      last = JSON.parse(data) as UpdateStatusView;
      onStatus(last);
      return !TERMINAL_UPDATE_STATUSES.has(last.status);
    });
    if (signal?.aborted) return undefined;
    if (last !== undefined && TERMINAL_UPDATE_STATUSES.has(last.status)) return last;
    const final = await this.updateStatus(id);
    if (final.timestamp !== last?.timestamp || final.status !== last.status) onStatus(final);
    return final;
  }

  /** The Cloudflare quick tunnel (`enabled: false` when the config has none). */
  tunnel(): Promise<TunnelView> {
    return this.request('GET', '/api/v1/tunnel');
  }

  reload(): Promise<ReloadResult> {
    return this.request('POST', '/api/v1/reload');
  }

  shutdown(): Promise<{ status: string }> {
    return this.request('POST', '/shutdown');
  }

  /** Stops every instance and the daemon, which then starts again (admin). */
  restartDaemon(): Promise<DaemonRestart> {
    return this.request('POST', '/api/v1/restart');
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await this.send(
      method,
      path,
      body,
      AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
    );
    return (await response.json()) as T;
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new DaemonError(
          'daemon_unreachable',
          `the daemon at ${this.baseUrl} did not answer in time`,
          { cause: error },
        );
      }
      throw new DaemonError(
        'daemon_unreachable',
        `no gowinproc daemon answers at ${this.baseUrl} (${causeOf(error)}); start one with "gowinproc run --config <file>", or point the CLI at it with --url / --config`,
        { cause: error },
      );
    }
    if (!response.ok) {
      let payload: { error?: unknown; code?: unknown } = {};
      try {
        payload = (await response.json()) as typeof payload;
      } catch {
        // not JSON
      }
      const code = isErrorCode(payload.code) ? payload.code : 'internal';
      throw new DaemonError(
        code,
        typeof payload.error === 'string' ? payload.error : `HTTP ${response.status} from ${path}`,
        {
          details: { status: response.status },
        },
      );
    }
    return response;
  }
}

/**
 * Reads server-sent events until the stream ends, `onEvent` returns false, or `signal` aborts
 * (then it returns quietly). Comment lines (heartbeats) are skipped.
 */
async function readSse(
  response: Response,
  signal: AbortSignal | undefined,
  onEvent: (event: string, data: string) => boolean,
): Promise<void> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const event =
          lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim() ?? 'message';
        const data = lines
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        // Breaking out of the loop cancels the body, which closes the connection.
        if (data && !onEvent(event, data)) return;
      }
    }
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  }
}

/** The request body without its undefined fields (the API's schemas are strict). */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined,
  );
  return entries.length === 0
    ? ''
    : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
