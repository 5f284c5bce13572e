import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonError } from '../../shared/index.js';
import { isPortFree, PortAllocator } from './port-allocator.js';

/** A scripted probe: ports in `busy` are held by foreign programs; every probe is recorded. */
class FakePorts {
  readonly busy = new Set<number>();
  readonly probed: number[] = [];
  private readonly waiting: Array<() => void> = [];
  /** When set, probes resolve only when `releaseProbes()` is called (to interleave allocations). */
  hold = false;

  readonly probe = (port: number): Promise<boolean> => {
    this.probed.push(port);
    const answer = (): boolean => !this.busy.has(port);
    if (!this.hold) return Promise.resolve(answer());
    return new Promise((resolve) => this.waiting.push(() => resolve(answer())));
  };

  get pending(): number {
    return this.waiting.length;
  }

  releaseProbes(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

const RANGE = { start: 5000, end: 5004 };

async function expectDaemonError(promise: Promise<unknown>, code: string): Promise<DaemonError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DaemonError);
  expect((error as DaemonError).code).toBe(code);
  return error as DaemonError;
}

describe('PortAllocator with a scripted probe', () => {
  it('gives the preferred port when it is free', async () => {
    const ports = new FakePorts();
    const allocator = new PortAllocator(ports.probe);
    expect(
      await allocator.allocate({ owner: 'api-0', program: 'api', preferred: 8080, range: RANGE }),
    ).toBe(8080);
    expect(allocator.holder(8080)).toBe('api-0');
    expect(ports.probed).toEqual([8080]);
  });

  it('uses the range when a sibling already holds the preferred port', async () => {
    const ports = new FakePorts();
    const allocator = new PortAllocator(ports.probe);
    await allocator.allocate({ owner: 'api-0', program: 'api', preferred: 8080, range: RANGE });
    expect(
      await allocator.allocate({ owner: 'api-1', program: 'api', preferred: 8080, range: RANGE }),
    ).toBe(5000);
    expect(allocator.holder(5000)).toBe('api-1');
    expect(allocator.holder(8080)).toBe('api-0');
  });

  it('fails with port_in_use when a foreign program holds the preferred port', async () => {
    const ports = new FakePorts();
    ports.busy.add(8080);
    const allocator = new PortAllocator(ports.probe);
    const error = await expectDaemonError(
      allocator.allocate({ owner: 'api-0', program: 'api', preferred: 8080, range: RANGE }),
      'port_in_use',
    );
    expect(error.message).toContain('8080');
    expect(error.details).toEqual({ port: 8080 });
    expect(allocator.holder(8080)).toBeUndefined();
    expect(ports.probed).toEqual([8080]); // it does not fall back to the range
  });

  it('without a preferred port takes the first free port of the range, skipping busy ones', async () => {
    const ports = new FakePorts();
    ports.busy.add(5000);
    ports.busy.add(5001);
    const allocator = new PortAllocator(ports.probe);
    expect(await allocator.allocate({ owner: 'w-0', program: 'api', range: RANGE })).toBe(5002);
    expect(allocator.holder(5000)).toBeUndefined();
    expect(allocator.holder(5001)).toBeUndefined();
  });

  it('hands out the range in turn', async () => {
    const allocator = new PortAllocator(new FakePorts().probe);
    const got = [];
    for (let i = 0; i < 5; i++)
      got.push(await allocator.allocate({ owner: `w-${i}`, program: 'api', range: RANGE }));
    expect(got).toEqual([5000, 5001, 5002, 5003, 5004]);
  });

  it('fails with port_range_exhausted when every port is reserved or busy', async () => {
    const ports = new FakePorts();
    ports.busy.add(5003);
    const allocator = new PortAllocator(ports.probe);
    for (let i = 0; i < 4; i++)
      await allocator.allocate({ owner: `w-${i}`, program: 'api', range: RANGE });
    const error = await expectDaemonError(
      allocator.allocate({ owner: 'w-4', program: 'api', range: RANGE }),
      'port_range_exhausted',
    );
    expect(error.message).toContain('5000-5004');
    expect(error.details).toEqual({ port_range: '5000-5004' });
    expect(allocator.holder(5003)).toBeUndefined();
  });

  it('a preferred port held by a sibling with the range full is port_range_exhausted', async () => {
    const allocator = new PortAllocator(new FakePorts().probe);
    const range = { start: 5000, end: 5000 };
    await allocator.allocate({ owner: 'a', program: 'api', preferred: 8080, range });
    await allocator.allocate({ owner: 'b', program: 'api', preferred: 8080, range });
    await expectDaemonError(
      allocator.allocate({ owner: 'c', program: 'api', preferred: 8080, range }),
      'port_range_exhausted',
    );
  });

  it('never gives two concurrent allocations the same port', async () => {
    const ports = new FakePorts();
    ports.hold = true;
    const allocator = new PortAllocator(ports.probe);
    const allocations = Array.from({ length: 5 }, (_, i) =>
      allocator.allocate({ owner: `w-${i}`, program: 'api', range: RANGE }),
    );
    expect(ports.pending).toBe(5); // all five are probing at once
    ports.releaseProbes();
    const got = await Promise.all(allocations);
    expect(new Set(got).size).toBe(5);
    expect([...got].sort((a, b) => a - b)).toEqual([5000, 5001, 5002, 5003, 5004]);
  });

  it('gives a contested preferred port to one sibling and a range port to the other', async () => {
    const ports = new FakePorts();
    ports.hold = true;
    const allocator = new PortAllocator(ports.probe);
    const first = allocator.allocate({ owner: 'a', program: 'api', preferred: 8080, range: RANGE });
    const second = allocator.allocate({
      owner: 'b',
      program: 'api',
      preferred: 8080,
      range: RANGE,
    });
    ports.releaseProbes();
    expect(await Promise.all([first, second])).toEqual([8080, 5000]);
  });

  it('concurrent allocations that see busy ports still get distinct ports', async () => {
    const ports = new FakePorts();
    ports.hold = true;
    ports.busy.add(5000);
    ports.busy.add(5002);
    const allocator = new PortAllocator(ports.probe);
    const allocations = [0, 1, 2].map((i) =>
      allocator.allocate({ owner: `w-${i}`, program: 'api', range: RANGE }),
    );
    // probes resolve round by round until every allocation is settled
    const settled = Promise.allSettled(allocations);
    let done = false;
    void settled.then(() => (done = true));
    while (!done) {
      ports.releaseProbes();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const got = await Promise.all(allocations);
    expect(new Set(got).size).toBe(3);
    expect([...got].sort((a, b) => a - b)).toEqual([5001, 5003, 5004]);
  });

  it('release makes a port available again', async () => {
    const allocator = new PortAllocator(new FakePorts().probe);
    const range = { start: 5000, end: 5000 };
    expect(await allocator.allocate({ owner: 'a', program: 'api', range })).toBe(5000);
    await expectDaemonError(
      allocator.allocate({ owner: 'b', program: 'api', range }),
      'port_range_exhausted',
    );
    allocator.release(5000, 'a');
    expect(allocator.holder(5000)).toBeUndefined();
    expect(await allocator.allocate({ owner: 'b', program: 'api', range })).toBe(5000);
  });

  it('release by another owner leaves the reservation alone', async () => {
    const allocator = new PortAllocator(new FakePorts().probe);
    await allocator.allocate({ owner: 'a', program: 'api', preferred: 8080, range: RANGE });
    allocator.release(8080, 'b');
    expect(allocator.holder(8080)).toBe('a');
    expect(
      await allocator.allocate({ owner: 'c', program: 'api', preferred: 8080, range: RANGE }),
    ).toBe(5000);
  });

  it('a released preferred port can be allocated as preferred again', async () => {
    const allocator = new PortAllocator(new FakePorts().probe);
    await allocator.allocate({ owner: 'a', program: 'api', preferred: 8080, range: RANGE });
    allocator.release(8080, 'a');
    expect(
      await allocator.allocate({ owner: 'b', program: 'api', preferred: 8080, range: RANGE }),
    ).toBe(8080);
  });

  it('reserve() holds a port for an adopted instance without probing it', async () => {
    const ports = new FakePorts();
    const allocator = new PortAllocator(ports.probe);
    allocator.reserve(5000, 'adopted-0', 'api');
    allocator.reserve(8080, 'adopted-1', 'api');
    expect(ports.probed).toEqual([]);
    expect(allocator.holder(5000)).toBe('adopted-0');
    expect(
      await allocator.allocate({ owner: 'new', program: 'api', preferred: 8080, range: RANGE }),
    ).toBe(5001);
    allocator.release(5000, 'adopted-0');
    expect(allocator.holder(5000)).toBeUndefined();
  });
});

// ---- the real probe ----

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

async function listen(host: string, port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen({ port, host });
  await once(server, 'listening');
  servers.push(server);
  return { server, port: (server.address() as AddressInfo).port };
}

async function close(server: Server): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('isPortFree', () => {
  it.each(['127.0.0.1', '0.0.0.0', '::'])(
    'is false for a port held by a server on %s, true once it closes',
    async (host) => {
      const { server, port } = await listen(host);
      expect(await isPortFree(port)).toBe(false);
      await close(server);
      expect(await isPortFree(port)).toBe(true);
    },
  );

  it('leaves nothing listening after probing a free port', async () => {
    const { server, port } = await listen('127.0.0.1');
    await close(server);
    expect(await isPortFree(port)).toBe(true);
    // if the probe had left its own server behind, this listen would fail
    await listen('127.0.0.1', port);
  });
});

describe('PortAllocator with the real probe', () => {
  it('gives a free preferred port', async () => {
    const { server, port } = await listen('127.0.0.1');
    await close(server);
    const allocator = new PortAllocator();
    expect(
      await allocator.allocate({ owner: 'a', program: 'api', preferred: port, range: RANGE }),
    ).toBe(port);
  });

  it('fails with port_in_use when a real server holds the preferred port', async () => {
    const { port } = await listen('127.0.0.1');
    const allocator = new PortAllocator();
    const error = await expectDaemonError(
      allocator.allocate({ owner: 'a', program: 'api', preferred: port, range: RANGE }),
      'port_in_use',
    );
    expect(error.details).toEqual({ port });
  });

  it('skips a range port held by a real server', async () => {
    const held = await listen('127.0.0.1');
    const free = await listen('127.0.0.1');
    await close(free.server);
    const allocator = new PortAllocator();
    await expectDaemonError(
      allocator.allocate({
        owner: 'a',
        program: 'api',
        range: { start: held.port, end: held.port },
      }),
      'port_range_exhausted',
    );
    const range = { start: free.port, end: free.port };
    expect(await allocator.allocate({ owner: 'a', program: 'api', range })).toBe(free.port);
  });

  it('keeps configured ports out of every range, and refuses a port held by another process', async () => {
    const allocator = new PortAllocator(() => Promise.resolve(true));
    allocator.setFixedPorts(new Map([[5000, 'db']]));
    expect(
      await allocator.allocate({
        owner: 'api-0',
        program: 'api',
        range: { start: 5000, end: 5002 },
      }),
    ).toBe(5001);
    expect(
      await allocator.allocate({ owner: 'db-0', program: 'db', preferred: 5000, range: RANGE }),
    ).toBe(5000);
    await expectDaemonError(
      allocator.allocate({ owner: 'web-0', program: 'web', preferred: 5000, range: RANGE }),
      'port_in_use',
    );
  });
});
