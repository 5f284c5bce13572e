/**
 * Runs the built `gowinproc` executable as a real daemon in a temp dir, and the CLI against it.
 * Cleans up after each test: the daemon, and any instance it left behind (read from its ledger).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';
import { BIN } from './paths.js';
import { waitFor } from './wait-for.js';

export interface DaemonProcess {
  dir: string;
  configPath: string;
  url: string;
  child: ChildProcess;
  output: string[];
  exitCode: Promise<number | null>;
  /** Runs the CLI against this daemon. */
  cli(
    args: string[],
    env?: Record<string, string>,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }>;
  /** Instance pids from the ledger (data/state.json). */
  ledgerPids(): number[];
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Extra CLI args for `run` (e.g. --logs). */
  args?: string[];
  /** Wait for "instances started" (default true). */
  waitForInstances?: boolean;
}

export function writeConfig(dir: string, yaml: string): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
  return path;
}

export async function startDaemon(
  dir: string,
  configPath: string,
  options: StartOptions = {},
): Promise<DaemonProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'run',
      '--config',
      configPath,
      '--data',
      join(dir, 'data'),
      '--logs',
      join(dir, 'logs'),
      ...(options.args ?? []),
    ],
    {
      cwd: dir,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const collect = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exitCode = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const ledgerPids = (): number[] => {
    const state = join(dir, 'data', 'state.json');
    if (!existsSync(state)) return [];
    const data = JSON.parse(readFileSync(state, 'utf8')) as {
      processes: Record<string, { instances: Array<{ identity: { pid: number } }> }>;
    };
    return Object.values(data.processes).flatMap((p) => p.instances.map((i) => i.identity.pid));
  };
  /** The cloudflared the daemon recorded (data/cloudflared.json), if it runs one. */
  const tunnelPid = (): number[] => {
    const record = join(dir, 'data', 'cloudflared.json');
    if (!existsSync(record)) return [];
    try {
      return [(JSON.parse(readFileSync(record, 'utf8')) as { pid: number }).pid];
    } catch {
      return [];
    }
  };
  onTestFinished(async () => {
    // A daemon that crashed leaves its children and cloudflared (own process groups) behind.
    const pids = [...ledgerPids(), ...tunnelPid()];
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exitCode, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    for (const pid of [...pids, ...ledgerPids()]) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  let url = '';
  await waitFor(
    () => {
      const line = output.find((l) => l.includes('gowinproc started'));
      const match = line ? /api=(https?:\/\/\S+)/.exec(line) : null;
      if (match) url = match[1]!;
      if (child.exitCode !== null)
        throw new Error(`daemon exited with ${child.exitCode}:\n${output.join('\n')}`);
      if (!url) return `daemon not listening yet: ${output.slice(-3).join(' | ')}`;
      if (
        options.waitForInstances !== false &&
        !output.some((l) => l.includes('instances started'))
      )
        return 'instances not started yet';
      return true;
    },
    { timeoutMs: 20_000 },
  );

  const cli = async (args: string[], env: Record<string, string> = {}) => {
    const result = await execa(process.execPath, [BIN, ...args, '--url', url], {
      reject: false,
      cwd: dir,
      env: { ...process.env, ...env },
    });
    return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const api = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, json: (await response.json()) as T };
  };
  return { dir, configPath, url, child, output, exitCode, cli, api, ledgerPids };
}

/** Runs the CLI without a daemon (config commands, errors). */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const result = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: { ...process.env, ...options.env },
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A free-looking port range for one test, so parallel test files do not compete. */
export function portRange(size = 50): string {
  const start = 20_000 + Math.floor(Math.random() * 400) * 100;
  return `${start}-${start + size - 1}`;
}
