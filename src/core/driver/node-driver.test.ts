import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LineCollector, pidAlive } from '../../../test/helpers/lines.js';
import { fixture } from '../../../test/helpers/paths.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { driverContract, type Behaviour } from './driver.contract.js';
import { parseProcStat } from './identity.js';
import { NodeProcessDriver } from './node-driver.js';
import type { ProcessHandle, SpawnSpec } from './types.js';

const FIXTURE: Record<Exclude<Behaviour, 'missing-binary'>, [string, Record<string, string>]> = {
  serve: ['print-env.mjs', {}],
  'exit-3': ['crash-after.mjs', { EXIT_CODE: '3' }],
  'ignore-term': ['ignore-sigterm.mjs', {}],
  'print-env': ['print-env.mjs', {}],
};

const STOP = { signal: 'SIGTERM', timeoutMs: 2000 };

function spec(
  command: string,
  env: Record<string, string> = {},
  extra: Partial<SpawnSpec> = {},
): SpawnSpec {
  return {
    command,
    args: [],
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stop: STOP,
    ...extra,
  };
}

driverContract('node', () => ({
  driver: new NodeProcessDriver({ adoptedPollMs: 50 }),
  spec: (behaviour, env = {}) => {
    if (behaviour === 'missing-binary') return spec('/nonexistent/gowinproc-test-binary', env);
    const [file, fixtureEnv] = FIXTURE[behaviour];
    return spec(fixture(file), { ...fixtureEnv, ...env });
  },
}));

describe('NodeProcessDriver (real processes)', () => {
  const handles: ProcessHandle[] = [];
  const strays: number[] = [];
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.stop({ signal: 'SIGKILL', timeoutMs: 1000 })));
    for (const pid of strays.splice(0)) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  const driver = new NodeProcessDriver({ adoptedPollMs: 50 });

  it('puts each instance in its own process group', async () => {
    const handle = await driver.spawn(spec(fixture('print-env.mjs')));
    handles.push(handle);
    const stat = parseProcStat(await readFile(`/proc/${handle.pid}/stat`, 'utf8'));
    expect(stat?.pgrp).toBe(handle.pid);
  });

  it('leaves no grandchild alive when the instance is stopped, even one that ignores SIGTERM', async () => {
    const handle = await driver.spawn(spec(fixture('spawn-grandchild.mjs')));
    handles.push(handle);
    const out = new LineCollector(handle.stdout);
    await waitFor(() => out.has('ready'));
    const grandchild = Number(out.lines.find((l) => l.startsWith('grandchild '))!.split(' ')[1]);
    strays.push(grandchild);
    expect(pidAlive(grandchild)).toBe(true);
    const exit = await handle.stop({ signal: 'SIGTERM', timeoutMs: 500 });
    expect(exit.signal).toBe('SIGTERM'); // the leader obeyed; its grandchild needed SIGKILL
    expect(pidAlive(grandchild)).toBe(false);
  });

  it('cleans up the group when the leader exits on its own, before reporting the exit', async () => {
    const handle = await driver.spawn(
      spec(
        fixture('spawn-grandchild.mjs'),
        { EXIT_AFTER_SPAWN: '1' },
        { stop: { signal: 'SIGTERM', timeoutMs: 300 } },
      ),
    );
    const out = new LineCollector(handle.stdout);
    const exit = await handle.exited;
    expect(exit.code).toBe(4);
    const grandchild = Number(out.lines.find((l) => l.startsWith('grandchild '))!.split(' ')[1]);
    strays.push(grandchild);
    expect(pidAlive(grandchild)).toBe(false);
  });

  it('names the problem when the binary is missing, not executable, not on PATH, or the work_dir is missing', async () => {
    const dir = tempDir();
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '#!/bin/sh\necho hi\n');
    chmodSync(plain, 0o644);
    await expect(driver.spawn(spec(join(dir, 'absent')))).rejects.toMatchObject({
      code: 'binary_not_found',
      message: expect.stringContaining('does not exist'),
    });
    await expect(driver.spawn(spec(plain))).rejects.toMatchObject({
      code: 'permission_denied',
      message: expect.stringContaining('not executable'),
    });
    await expect(driver.spawn(spec('gowinproc-no-such-command'))).rejects.toMatchObject({
      code: 'binary_not_found',
      message: expect.stringContaining('not found on PATH'),
    });
    await expect(
      driver.spawn(spec(fixture('print-env.mjs'), {}, { cwd: join(dir, 'nope') })),
    ).rejects.toMatchObject({ code: 'work_dir_missing' });
    await expect(driver.spawn(spec(dir))).rejects.toMatchObject({
      code: 'binary_not_found',
      message: expect.stringContaining('is a directory'),
    });
  });

  it('keeps a child writing while no daemon reads its output pipe, and reattaches to it', async () => {
    const io = { dir: join(tempDir(), 'run'), name: '0' };
    const handle = await driver.spawn(spec(fixture('ticker.mjs'), { TICK_MS: '5' }, { io }));
    const first = new LineCollector(handle.stdout);
    await waitFor(() => first.has(/^tick 3$/));
    const identity = await driver.identify(handle.pid);
    // The daemon "dies": its read ends close. The child keeps writing (more than a pipe buffer).
    const writtenBefore = bytesWritten(handle.pid);
    handle.stdout.destroy();
    handle.stderr.destroy();
    // Wait until the child has written some 50 more lines into the pipe nobody reads.
    await waitFor(() =>
      bytesWritten(handle.pid) >= writtenBefore + 400
        ? true
        : 'the child has not written enough yet',
    );
    expect(pidAlive(handle.pid)).toBe(true);

    const adopted = await driver.adopt({ identity: identity!, io, stop: STOP });
    expect(adopted).toBeDefined();
    handles.push(adopted!);
    const second = new LineCollector(adopted!.stdout);
    const last = Number(
      first.lines
        .filter((l) => l.startsWith('tick '))
        .at(-1)!
        .split(' ')[1],
    );
    await waitFor(() => second.has(new RegExp(`^tick ${last + 200}$`)));
    // Nothing was lost while nobody read: the adopted reader continues right after the old one.
    const ticks = second.lines
      .filter((l) => l.startsWith('tick '))
      .map((l) => Number(l.split(' ')[1]));
    expect(ticks[0]).toBe(last + 1);
    const exit = await adopted!.stop(STOP);
    expect(exit.code).toBeNull(); // an adopted process's exit status is not ours to read
    expect(pidAlive(handle.pid)).toBe(false);
  });
});

/** Bytes a process has passed to write() so far (Linux /proc/<pid>/io). */
function bytesWritten(pid: number): number {
  const match = /^wchar:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return Number(match?.[1] ?? 0);
}
