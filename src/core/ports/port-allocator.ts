/**
 * Port allocation for instances. A process's configured `port` is offered to its instances
 * first; when a sibling already holds it, the next free port of `port_range` is used. Configured
 * ports are never handed out from anyone's range. A port stays reserved from allocation until the
 * instance is gone, so two instances never get the same one even before they bind.
 */
import { createServer } from 'node:net';
import { DaemonError } from '../../shared/index.js';

export type PortProbe = (port: number) => Promise<boolean>;

export interface PortRequest {
  /** The instance asking (released by this name). */
  owner: string;
  /** Its process: the configured port belongs to it. */
  program: string;
  preferred?: number | undefined;
  range: { start: number; end: number };
}

interface Holder {
  owner: string;
  program: string;
}

export class PortAllocator {
  private readonly reserved = new Map<number, Holder>();
  private readonly cursors = new Map<string, number>();
  /** Configured `processes[].port` values, kept out of every range. */
  private fixed = new Map<number, string>();

  constructor(private readonly isFree: PortProbe = isPortFree) {}

  /** Tells the allocator which ports the config gives to which process. */
  setFixedPorts(ports: ReadonlyMap<number, string>): void {
    this.fixed = new Map(ports);
  }

  async allocate(request: PortRequest): Promise<number> {
    const { preferred, range } = request;
    if (preferred !== undefined) {
      const holder = this.reserved.get(preferred);
      if (holder === undefined) {
        this.reserved.set(preferred, { owner: request.owner, program: request.program }); // held while probing
        if (await this.isFree(preferred)) return preferred;
        this.reserved.delete(preferred);
        throw new DaemonError(
          'port_in_use',
          `port ${preferred} is in use by another program (processes[].port of ${request.program})`,
          { details: { port: preferred } },
        );
      }
      if (holder.program !== request.program) {
        throw new DaemonError(
          'port_in_use',
          `port ${preferred} of ${request.program} is held by ${holder.owner}`,
          { details: { port: preferred } },
        );
      }
    }
    const size = range.end - range.start + 1;
    const key = `${range.start}-${range.end}`;
    let candidate = this.cursors.get(key) ?? range.start;
    for (
      let tried = 0;
      tried < size;
      tried++, candidate = candidate >= range.end ? range.start : candidate + 1
    ) {
      if (this.reserved.has(candidate) || this.fixed.has(candidate)) continue;
      this.reserved.set(candidate, { owner: request.owner, program: request.program });
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
  reserve(port: number, owner: string, program: string): void {
    this.reserved.set(port, { owner, program });
  }

  release(port: number, owner: string): void {
    if (this.reserved.get(port)?.owner === owner) this.reserved.delete(port);
  }

  holder(port: number): string | undefined {
    return this.reserved.get(port)?.owner;
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
