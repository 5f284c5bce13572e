/** Runs test/fixtures/grpc-service.mjs (fixture.catalog.Catalog with reflection) as a child. */
import { spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { LineCollector } from './lines.js';
import { fixture } from './paths.js';
import { waitFor } from './wait-for.js';

export interface GrpcServiceChild {
  pid: number;
  port: number;
}

/**
 * `reflection`: which reflection versions it serves (default both); `port`: default any free one.
 * Killed when the test ends (or by `stop`).
 */
export async function startGrpcService(
  options: { reflection?: 'both' | 'v1alpha' | 'none'; port?: number } = {},
): Promise<GrpcServiceChild & { stop(): Promise<void> }> {
  const child = spawn(process.execPath, [fixture('grpc-service.mjs')], {
    env: {
      ...process.env,
      PORT: String(options.port ?? 0),
      REFLECTION: options.reflection ?? 'both',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const out = new LineCollector(child.stdout);
  const err = new LineCollector(child.stderr);
  await waitFor(() => {
    if (child.exitCode !== null)
      throw new Error(`exited ${child.exitCode}: ${err.lines.join(' ')}`);
    return out.has(/^ready \d+$/);
  });
  const port = Number(out.lines.find((l) => l.startsWith('ready '))!.slice('ready '.length));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  return { pid: child.pid!, port, stop };
}
