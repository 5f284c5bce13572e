// Accuracy of the Linux reader against real processes whose usage is known: a duty-cycle burner,
// an allocator, a writer and a forking parent (test/fixtures/metrics-*.mjs).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { statfsSync } from 'node:fs';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { LineCollector } from '../../../../test/helpers/lines.js';
import { fixture } from '../../../../test/helpers/paths.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import type { ProcessCounters } from '../types.js';
import { LinuxProcessTreeReader } from './linux-process-tree.js';
import { treeUsage, type TreeReading } from './rates.js';

const MiB = 1024 * 1024;
const TMPFS_MAGIC = 0x01021994;

interface Fixture {
  child: ChildProcess;
  pid: number;
  out: LineCollector;
}

describe.runIf(process.platform === 'linux')('Linux reader accuracy on real processes', () => {
  const started: ChildProcess[] = [];
  const extraPids: number[] = [];
  afterEach(async () => {
    for (const pid of extraPids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const child of started.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });

  async function start(name: string, args: string[]): Promise<Fixture> {
    const child = spawn(process.execPath, [fixture(name), ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    started.push(child);
    const out = new LineCollector(child.stdout!);
    await waitFor(() => out.has('ready'), { timeoutMs: 20_000 });
    return { child, pid: child.pid!, out };
  }

  function reader(): LinuxProcessTreeReader {
    const instance = new LinuxProcessTreeReader();
    onTestFinished(() => instance.close());
    return instance;
  }

  async function readTree(from: LinuxProcessTreeReader, pid: number): Promise<TreeReading> {
    const members = (await from.readTrees([pid])).get(pid);
    if (members === undefined) throw new Error(`pid ${pid} is not running`);
    return { at: Date.now(), members };
  }

  it('measures a 50 % duty cycle as the burner’s own CPU accounting, within ±5 points', async () => {
    // Ground truth is the burner's own process.cpuUsage() (getrusage), not the nominal 50 %: on
    // a loaded 2-core CI machine the burner may not get its full duty cycle, and comparing with
    // what it really got keeps the test about our arithmetic (ticks → ms, USER_HZ, percent of
    // one core over wall time) rather than about the machine's load. The 25-55 % band checks
    // that what both saw is plausibly the duty cycle asked for.
    const burner = await start('metrics-burn.mjs', ['50']);
    const sampler = reader();
    const reports = (): { cpuMicros: number; at: number }[] =>
      burner.out.lines
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { cpuMicros: number; at: number });
    await waitFor(() => reports().length >= 2 || 'no report yet', { timeoutMs: 10_000 });
    const skip = reports().length;
    await waitFor(() => reports().length > skip || 'waiting for a fresh report');
    const first = reports()[reports().length - 1]!;
    const before = await readTree(sampler, burner.pid);
    let last = first;
    await waitFor(
      () => {
        last = reports()[reports().length - 1]!;
        return last.at - first.at >= 2500 || `only ${last.at - first.at} ms of reports`;
      },
      { timeoutMs: 15_000, intervalMs: 5 },
    );
    const after = await readTree(sampler, burner.pid);

    const measured = treeUsage(before, after).cpuPercent!;
    const truth = ((last.cpuMicros - first.cpuMicros) / 1000 / (last.at - first.at)) * 100;
    expect(
      Math.abs(measured - truth),
      `sampler ${measured.toFixed(1)} % vs the burner's own ${truth.toFixed(1)} %`,
    ).toBeLessThanOrEqual(5);
    expect(truth, 'the burner got a plausible duty cycle').toBeGreaterThanOrEqual(25);
    expect(truth).toBeLessThanOrEqual(55);
  });

  it('shows an allocation of N MiB in RSS, compared with a baseline run', async () => {
    const [baseline, allocator] = await Promise.all([
      start('metrics-alloc.mjs', ['0']),
      start('metrics-alloc.mjs', ['64']),
    ]);
    const trees = await reader().readTrees([baseline.pid, allocator.pid]);
    const rss = (pid: number): number =>
      treeUsage(undefined, { at: 0, members: trees.get(pid)! }).rssBytes;
    const grown = rss(allocator.pid) - rss(baseline.pid);
    expect(grown, `RSS grew by ${(grown / MiB).toFixed(1)} MiB`).toBeGreaterThanOrEqual(
      0.9 * 64 * MiB,
    );
    expect(grown).toBeLessThan(2 * 64 * MiB); // a wrong page size or unit would be far off
  });

  it('shows N bytes written with fsync in the write counter', async () => {
    const dir = tempDir();
    const bytes = 4 * MiB;
    const writer = await start('metrics-write.mjs', [String(bytes), dir]);
    const sampler = reader();
    const before = await readTree(sampler, writer.pid);
    writer.child.stdin!.write('go\n');
    await waitFor(() => writer.out.has('done'));
    const after = await readTree(sampler, writer.pid);
    const written = after.members[0]!.writeBytes! - before.members[0]!.writeBytes!;
    const onTmpfs = statfsSync(dir).type === TMPFS_MAGIC;
    expect(
      written,
      onTmpfs
        ? `${dir} is on tmpfs, which never counts write_bytes: run with TMPDIR on a disk`
        : `write_bytes grew by ${written}`,
    ).toBeGreaterThanOrEqual(bytes);
    expect(written).toBeLessThan(4 * bytes);
    expect(treeUsage(before, after).diskWriteBps).toBeGreaterThan(0);
  });

  it('sums a forking parent with its children', async () => {
    const children = 3;
    const mib = 16;
    const parent = await start('metrics-fork.mjs', [String(children), String(mib)]);
    const tree = await readTree(reader(), parent.pid);
    const kids: ProcessCounters[] = tree.members.slice(1);
    extraPids.push(...kids.map((k) => k.pid));
    expect(tree.members[0]!.pid).toBe(parent.pid);
    expect(tree.members).toHaveLength(children + 1);
    expect(kids.every((k) => k.ppid === parent.pid)).toBe(true);
    const usage = treeUsage(undefined, tree);
    expect(usage.processes).toBe(children + 1);
    expect(usage.rssBytes).toBeGreaterThanOrEqual(children * mib * MiB);
    // Each child burned ~100 ms of CPU before saying ready; the tree's CPU includes it.
    expect(kids.reduce((sum, k) => sum + k.cpuMs, 0)).toBeGreaterThanOrEqual(children * 50);
    expect(usage.threads).toBeGreaterThan(children + 1);
  });
});
