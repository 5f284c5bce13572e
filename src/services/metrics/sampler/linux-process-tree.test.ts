// The Linux tree reader over a fake /proc in a temp dir (tree building, caching, descriptor
// handling), then over the real /proc with real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import {
  LinuxProcessTreeReader,
  type LinuxProcessTreeReaderOptions,
} from './linux-process-tree.js';

interface FakeProcess {
  pid: number;
  ppid: number;
  comm?: string;
  state?: string;
  startTime?: number;
  utime?: number;
  stime?: number;
  threads?: number;
  rssPages?: number;
  readBytes?: number;
  writeBytes?: number;
  /** Open descriptors; undefined: no fd directory. */
  fds?: number;
  /** false: no io file (as for another user's process). */
  io?: boolean;
}

/** A /proc look-alike: one directory per pid with stat, io and fd/. */
class FakeProc {
  readonly root = tempDir('fake-proc-');

  constructor() {
    writeFileSync(join(this.root, 'loadavg'), '0 0 0 1/1 1\n');
    mkdirSync(join(this.root, 'self'));
  }

  put(process: FakeProcess): void {
    const dir = join(this.root, String(process.pid));
    mkdirSync(dir, { recursive: true });
    const fields = [
      process.state ?? 'S',
      process.ppid,
      process.pid,
      process.pid,
      0,
      -1,
      4194304,
      0,
      0,
      0,
      0,
      process.utime ?? 0,
      process.stime ?? 0,
      0,
      0,
      20,
      0,
      process.threads ?? 1,
      0,
      process.startTime ?? process.pid * 100,
      1000,
      process.rssPages ?? 0,
      '18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0',
    ];
    writeFileSync(
      join(dir, 'stat'),
      `${process.pid} (${process.comm ?? 'fake'}) ${fields.join(' ')}\n`,
    );
    if (process.io !== false) {
      writeFileSync(
        join(dir, 'io'),
        `rchar: 1\nwchar: 1\nsyscr: 1\nsyscw: 1\nread_bytes: ${process.readBytes ?? 0}\n` +
          `write_bytes: ${process.writeBytes ?? 0}\ncancelled_write_bytes: 0\n`,
      );
    }
    if (process.fds !== undefined) this.setFds(process.pid, process.fds);
  }

  setFds(pid: number, count: number): void {
    const fdDir = join(this.root, String(pid), 'fd');
    rmSync(fdDir, { recursive: true, force: true });
    mkdirSync(fdDir);
    for (let fd = 0; fd < count; fd++) writeFileSync(join(fdDir, String(fd)), '');
  }

  remove(pid: number): void {
    rmSync(join(this.root, String(pid)), { recursive: true, force: true });
  }

  reader(options: LinuxProcessTreeReaderOptions = {}): LinuxProcessTreeReader {
    const reader = new LinuxProcessTreeReader({ procRoot: this.root, pageSize: 4096, ...options });
    onTestFinished(() => reader.close());
    return reader;
  }
}

const pids = (members: { pid: number }[] | undefined): number[] | undefined =>
  members?.map((m) => m.pid);

describe('LinuxProcessTreeReader over a fake /proc', () => {
  it('returns each root and its descendants, root first, and leaves out missing roots', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 1, ppid: 0 });
    proc.put({ pid: 100, ppid: 1 });
    proc.put({ pid: 101, ppid: 100 });
    proc.put({ pid: 102, ppid: 100 });
    proc.put({ pid: 103, ppid: 101 });
    proc.put({ pid: 200, ppid: 1 });
    const trees = await proc.reader().readTrees([100, 200, 999]);
    expect(pids(trees.get(100))).toEqual([100, 101, 102, 103]);
    expect(pids(trees.get(200))).toEqual([200]);
    expect(trees.has(999)).toBe(false);
  });

  it('converts ticks to ms and pages to bytes, and reads io, threads and descriptors', async () => {
    const proc = new FakeProc();
    proc.put({
      pid: 100,
      ppid: 1,
      comm: 'my) (app',
      startTime: 5555,
      utime: 250,
      stime: 37,
      threads: 7,
      rssPages: 2560,
      readBytes: 8192,
      writeBytes: 1_048_576,
      fds: 3,
    });
    const trees = await proc.reader({ pageSize: 16_384 }).readTrees([100]);
    expect(trees.get(100)).toEqual([
      {
        pid: 100,
        ppid: 1,
        startTime: 5555,
        cpuMs: 2870,
        rssBytes: 2560 * 16_384,
        readBytes: 8192,
        writeBytes: 1_048_576,
        handles: 3,
        threads: 7,
      },
    ]);
  });

  it('reports unknown io and descriptors as null, not 0', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1, io: false });
    const [member] = (await proc.reader().readTrees([100])).get(100)!;
    expect(member).toMatchObject({ readBytes: null, writeBytes: null, handles: null });
  });

  it('sees counters change between ticks through the descriptors it keeps open', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1, utime: 10, writeBytes: 0 });
    const reader = proc.reader();
    expect((await reader.readTrees([100])).get(100)?.[0]?.cpuMs).toBe(100);
    expect(reader.openDescriptors).toBe(2); // stat and io
    proc.put({ pid: 100, ppid: 1, utime: 30, writeBytes: 4096 });
    expect((await reader.readTrees([100])).get(100)?.[0]).toMatchObject({
      cpuMs: 300,
      writeBytes: 4096,
    });
    expect(reader.openDescriptors).toBe(2);
  });

  it('finds a child forked after the first tick, and drops one that became a zombie', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1 });
    const reader = proc.reader();
    expect(pids((await reader.readTrees([100])).get(100))).toEqual([100]);
    proc.put({ pid: 101, ppid: 100 });
    expect(pids((await reader.readTrees([100])).get(100))).toEqual([100, 101]);
    expect(reader.openDescriptors).toBe(4);
    proc.put({ pid: 101, ppid: 100, state: 'Z' });
    expect(pids((await reader.readTrees([100])).get(100))).toEqual([100]);
    expect(reader.openDescriptors).toBe(2);
    proc.put({ pid: 100, ppid: 1, state: 'Z' });
    expect((await reader.readTrees([100])).has(100)).toBe(false);
    expect(reader.openDescriptors).toBe(0);
  });

  it('reads a known pid’s parent once, and again only when that parent is gone', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 1, ppid: 0 });
    proc.put({ pid: 100, ppid: 1 });
    proc.put({ pid: 101, ppid: 100 });
    proc.put({ pid: 102, ppid: 101 });
    proc.put({ pid: 300, ppid: 1 });
    const reader = proc.reader();
    expect(pids((await reader.readTrees([100])).get(100))).toEqual([100, 101, 102]);
    // 300's parent is cached: a changed stat of a non-member is not read again at once (that is
    // the point of the cache; a real ppid only changes when the parent exits).
    proc.put({ pid: 300, ppid: 100 });
    expect(pids((await reader.readTrees([100])).get(100))).toEqual([100, 101, 102]);
    // 101 exits and 102 is re-parented to init: 102 is read again and leaves the tree.
    proc.remove(101);
    proc.put({ pid: 102, ppid: 1 });
    expect(pids((await reader.readTrees([100])).get(100))).toEqual([100]);
    expect(reader.openDescriptors).toBe(2);
  });

  it('catches a non-member pid reused between ticks within 60 ticks', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1, startTime: 100 });
    proc.put({ pid: 300, ppid: 1, startTime: 50 });
    const reader = proc.reader();
    await reader.readTrees([100]);
    // 300 exited and a new child of 100 got pid 300 before the next listing.
    proc.put({ pid: 300, ppid: 100, startTime: 700 });
    let ticks = 0;
    while (pids((await reader.readTrees([100])).get(100))?.length !== 2 && ticks < 100) ticks++;
    expect(ticks).toBeLessThan(60);
    expect((await reader.readTrees([100])).get(100)?.[1]).toMatchObject({
      pid: 300,
      startTime: 700,
    });
  });

  it('lists nothing and holds nothing when asked for no roots', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1 });
    const reader = proc.reader();
    await reader.readTrees([100]);
    expect(reader.openDescriptors).toBe(2);
    expect((await reader.readTrees([])).size).toBe(0);
    expect(reader.openDescriptors).toBe(0);
  });

  it('leaves out a reused pid for one tick, then places the new process by its own parent', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1, startTime: 100 });
    proc.put({ pid: 101, ppid: 100, startTime: 500, utime: 90 });
    proc.put({ pid: 200, ppid: 1, startTime: 50 });
    const reader = proc.reader();
    expect(pids((await reader.readTrees([100, 200])).get(100))).toEqual([100, 101]);
    // 101 exited and its pid now names a new process, a child of 200.
    proc.put({ pid: 101, ppid: 200, startTime: 900, utime: 1 });
    const during = await reader.readTrees([100, 200]);
    expect(pids(during.get(100))).toEqual([100]);
    const after = await reader.readTrees([100, 200]);
    expect(pids(after.get(100))).toEqual([100]);
    expect(after.get(200)?.[1]).toMatchObject({ pid: 101, startTime: 900, cpuMs: 10 });
  });

  it('counts descriptors on the first read, then every fdCountEvery ticks only', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1, fds: 2 });
    const reader = proc.reader({ fdCountEvery: 5 });
    const handles = async (): Promise<number | null | undefined> =>
      (await reader.readTrees([100])).get(100)?.[0]?.handles;
    expect(await handles()).toBe(2); // counted on the first read
    // The count changes before every tick; the reported figure may only follow every 5th.
    const seen: (number | null | undefined)[] = [];
    for (let tick = 1; tick <= 16; tick++) {
      proc.setFds(100, 2 + tick);
      seen.push(await handles());
    }
    const changes = seen.flatMap((h, i) => (h !== (i === 0 ? 2 : seen[i - 1]) ? [i] : []));
    expect(changes[0]).toBeLessThan(5); // the first recount comes within 5 ticks
    expect(changes.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < changes.length; i++) expect(changes[i]! - changes[i - 1]!).toBe(5);
    // Whenever it counts, it reports the count of that tick.
    for (const i of changes) expect(seen[i]).toBe(2 + i + 1);
  });

  it('reads members beyond the descriptor budget with open/read/close', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1, utime: 1 });
    proc.put({ pid: 101, ppid: 100, utime: 2 });
    proc.put({ pid: 102, ppid: 100, utime: 3 });
    const reader = proc.reader({ maxOpenFiles: 2 });
    const tree = (await reader.readTrees([100])).get(100);
    expect(tree?.map((m) => m.cpuMs)).toEqual([10, 20, 30]);
    expect(reader.openDescriptors).toBe(2);
    proc.put({ pid: 102, ppid: 100, utime: 4 });
    expect((await reader.readTrees([100])).get(100)?.[2]?.cpuMs).toBe(40);
  });

  it('releases every descriptor on close and when roots are no longer asked for', async () => {
    const proc = new FakeProc();
    proc.put({ pid: 100, ppid: 1 });
    proc.put({ pid: 200, ppid: 1 });
    const reader = proc.reader();
    await reader.readTrees([100, 200]);
    expect(reader.openDescriptors).toBe(4);
    await reader.readTrees([200]);
    expect(reader.openDescriptors).toBe(2);
    reader.close();
    expect(reader.openDescriptors).toBe(0);
  });

  it('rejects with a DaemonError when the process list cannot be read', async () => {
    const reader = new LinuxProcessTreeReader({ procRoot: '/nonexistent-proc', pageSize: 4096 });
    await expect(reader.readTrees([1])).rejects.toMatchObject({ code: 'internal' });
  });
});

describe.runIf(process.platform === 'linux')('LinuxProcessTreeReader over the real /proc', () => {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });

  it('reads this process with plausible figures', async () => {
    const reader = new LinuxProcessTreeReader();
    onTestFinished(() => reader.close());
    const [self] = (await reader.readTrees([process.pid])).get(process.pid)!;
    expect(self).toBeDefined();
    const rss = process.memoryUsage.rss();
    expect(self!.rssBytes).toBeGreaterThan(rss * 0.5);
    expect(self!.rssBytes).toBeLessThan(rss * 2);
    const cpuMs = (process.cpuUsage().user + process.cpuUsage().system) / 1000;
    expect(self!.cpuMs).toBeGreaterThan(0);
    expect(self!.cpuMs).toBeLessThanOrEqual(cpuMs + 20); // tick accounting rounds
    expect(self!.threads).toBeGreaterThan(1); // V8 and libuv threads
    expect(self!.handles).toBeGreaterThan(2);
    expect(self!.readBytes).not.toBeNull();
  });

  it('drops a root once it has exited and been reaped, closing its descriptors', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], {
      stdio: 'ignore',
    });
    children.push(child);
    const reader = new LinuxProcessTreeReader();
    onTestFinished(() => reader.close());
    expect(pids((await reader.readTrees([child.pid!])).get(child.pid!))).toEqual([child.pid]);
    expect(reader.openDescriptors).toBe(2);
    child.kill('SIGKILL');
    await once(child, 'exit');
    await waitFor(async () =>
      (await reader.readTrees([child.pid!])).has(child.pid!) ? 'still read' : true,
    );
    expect(reader.openDescriptors).toBe(0);
  });
});
