/**
 * Port allocation for instances. The configured `port` is offered first; when a sibling already
 * holds it, the next free port of `port_range` is used. A port stays reserved from allocation
 * until the instance is gone, so two instances never get the same one even before they bind.
 */
import { createServer } from 'node:net';
import { DaemonError } from '../../shared/index.js';

export type PortProbe = (port: number) => Promise<boolean>;

export interface PortRequest {
  owner: string;
  preferred?: number | undefined;
  range: { start: number; end: number };
}

export class PortAllocator {
  private readonly reserved = new Map<number, string>();
  private readonly cursors = new Map<string, number>();

  constructor(private readonly isFree: PortProbe = isPortFree) {}

  async allocate(request: PortRequest): Promise<number> {
    const { preferred, range } = request;
    if (preferred !== undefined && !this.reserved.has(preferred)) {
      this.reserved.set(preferred, request.owner); // hold it while probing
      if (await this.isFree(preferred)) return preferred;
      this.reserved.delete(preferred);
      throw new DaemonError(
        'port_in_use',
        `port ${preferred} is in use by another program (processes[].port)`,
        {
          details: { port: preferred },
        },
      );
    }
    const size = range.end - range.start + 1;
    const key = `${range.start}-${range.end}`;
    let candidate = this.cursors.get(key) ?? range.start;
    for (
      let tried = 0;
      tried < size;
      tried++, candidate = candidate >= range.end ? range.start : candidate + 1
    ) {
      if (this.reserved.has(candidate)) continue;
      this.reserved.set(candidate, request.owner);
      if (await this.isFree(candidate)) {
        this.cursors.set(key, candidate >= range.end ? range.start : candidate + 1);
        return candidate;
      }
      this.reserved.delete(candidate);
    }
    throw new DaemonError('port_range_exhausted', `no free port in port_range ${key}`, {
      details: { port_range: key },
    });
  }

  /** Marks a port as held (an adopted instance that already listens on it). */
  reserve(port: number, owner: string): void {
    this.reserved.set(port, owner);
  }

  release(port: number, owner: string): void {
    if (this.reserved.get(port) === owner) this.reserved.delete(port);
  }

  holder(port: number): string | undefined {
    return this.reserved.get(port);
  }
}

/** True when nothing listens on the port (on any address). */
export function isPortFree(port: number): Promise<boolean> {
  return tryListen(port, '::').then((result) =>
    result === 'unsupported'
      ? tryListen(port, '0.0.0.0').then((r) => r === 'free')
      : result === 'free',
  );
}

function tryListen(port: number, host: string): Promise<'free' | 'busy' | 'unsupported'> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === 'EAFNOSUPPORT' || error.code === 'EADDRNOTAVAIL' ? 'unsupported' : 'busy',
      );
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve('free')));
  });
}
