/** Ports for tests: one a foreign program holds, and one nothing listens on. */
import { createServer, type Server } from 'node:net';
import { onTestFinished } from 'vitest';

/** Listens on a free port on every address until the test ends; returns the port. */
export function holdPort(): Promise<number> {
  return new Promise((resolve) => {
    const server: Server = createServer().listen(0, '0.0.0.0', () =>
      resolve((server.address() as { port: number }).port),
    );
    onTestFinished(() => {
      server.close();
    });
  });
}

/** A port nothing listens on (bound once, then closed). */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
