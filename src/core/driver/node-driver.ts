/**
 * The real driver: node:child_process with one process group per instance on POSIX (so the whole
 * tree can be signalled), hidden windows on Windows, named-pipe output that outlives the daemon,
 * and adoption of processes a previous daemon started.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import { currentPlatform, errnoCode, isWindows, type Platform } from '../../shared/index.js';
import { linuxGroupMembers, matchesIdentity, readIdentity } from './identity.js';
import { preflight, spawnError } from './spawn-errors.js';
import { closeFds, openChildFifos, reopenFifoReaders } from './output.js';
import { executeStopPlan, planStop, type StopEffects } from './stop-plan.js';
import type {
  AdoptRequest,
  ExitInfo,
  ProcessDriver,
  ProcessHandle,
  ProcessIdentity,
  SpawnSpec,
  StopRequest,
} from './types.js';

const run = promisify(execFile);

export interface NodeDriverOptions {
  platform?: Platform;
  /** How often an adopted process (not our child, so no exit event) is checked. */
  adoptedPollMs?: number;
}

export class NodeProcessDriver implements ProcessDriver {
  private readonly platform: Platform;
  private readonly adoptedPollMs: number;

  constructor(options: NodeDriverOptions = {}) {
    this.platform = options.platform ?? currentPlatform();
    this.adoptedPollMs = options.adoptedPollMs ?? 500;
  }

  identify(pid: number): Promise<ProcessIdentity | undefined> {
    return readIdentity(pid, this.platform);
  }

  async cleanupGroup(pid: number): Promise<void> {
    if (isWindows(this.platform) || (await this.identify(pid)) !== undefined) return;
    // The leader is gone; while members remain, the kernel does not reuse the group's id.
    signalGroup(pid, 'SIGKILL');
  }

  async spawn(spec: SpawnSpec): Promise<ProcessHandle> {
    await preflight(spec, this.platform);
    const windows = isWindows(this.platform);
    const fifos = !windows && spec.io ? await openChildFifos(spec.io) : undefined;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', fifos?.childFds[0] ?? 'pipe', fifos?.childFds[1] ?? 'pipe'],
      // POSIX: setsid, so the instance leads its own process group and the tree can be signalled.
      // Windows: outside the daemon's job object (so it outlives a daemon crash and can be
      // adopted) and off the daemon's console (so a Ctrl+C there does not reach it).
      detached: true,
      windowsHide: true,
    });
    try {
      await Promise.race([
        once(child, 'spawn'),
        once(child, 'error').then(([error]) => Promise.reject(error as Error)),
      ]);
    } catch (error) {
      fifos?.readers.forEach((r) => r.destroy());
      throw spawnError(error, spec);
    } finally {
      if (fifos) closeFds(fifos.childFds);
    }
    child.on('error', () => undefined); // e.g. a failed kill(); exit is observed through 'exit'
    const stdout: Readable = fifos?.readers[0] ?? child.stdout ?? new PassThrough();
    const stderr: Readable = fifos?.readers[1] ?? child.stderr ?? new PassThrough();
    return new OsProcessHandle(
      child.pid!,
      stdout,
      stderr,
      this.platform,
      spec.stop,
      childExit(child),
      false,
    );
  }

  async adopt(request: AdoptRequest): Promise<ProcessHandle | undefined> {
    const current = await this.identify(request.identity.pid);
    if (!current || !matchesIdentity(request.identity, current, request.spawned)) {
      return undefined;
    }
    const readers =
      !isWindows(this.platform) && request.io ? reopenFifoReaders(request.io) : undefined;
    const exit = pollExit(request.identity, this.platform, this.adoptedPollMs);
    return new OsProcessHandle(
      request.identity.pid,
      readers?.[0] ?? new PassThrough(),
      readers?.[1] ?? new PassThrough(),
      this.platform,
      request.stop,
      exit,
      true,
      request.identity.startTime,
    );
  }
}

class OsProcessHandle implements ProcessHandle {
  readonly exited: Promise<ExitInfo>;
  private stopping: Promise<ExitInfo> | undefined;
  private treeGone = false;

  constructor(
    readonly pid: number,
    readonly stdout: Readable,
    readonly stderr: Readable,
    private readonly platform: Platform,
    private readonly stopDefaults: StopRequest,
    leaderExit: Promise<ExitInfo>,
    readonly adopted: boolean,
    private readonly adoptedStartTime = '',
  ) {
    this.exited = leaderExit.then(async (exit) => {
      await this.reapGroup();
      this.treeGone = true;
      return exit;
    });
  }

  stop(request: StopRequest): Promise<ExitInfo> {
    if (this.treeGone) return this.exited;
    this.stopping ??= (async () => {
      // An adopted process is not our child: make sure the pid is still it before signalling.
      if (this.adopted && !(await this.stillOurs())) return this.exited;
      await executeStopPlan(planStop(this.platform, this.pid, request), this.effects());
      return this.exited;
    })();
    return this.stopping;
  }

  /** For an adopted handle: the pid still runs the process we adopted. */
  private async stillOurs(): Promise<boolean> {
    const now = await readIdentity(this.pid, this.platform);
    return now !== undefined && now.startTime === this.adoptedStartTime;
  }

  private effects(): StopEffects {
    return {
      signalGroup: (signal) => signalGroup(this.pid, signal),
      httpPost: async (url) => {
        await postShutdown(url);
      },
      exec: async (file, args) => {
        await run(file, args, { windowsHide: true });
      },
      waitExit: (ms) => this.waitTreeGone(ms),
    };
  }

  private async waitTreeGone(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.exited.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * After the leader exits, members of its process group may remain (workers, grandchildren):
   * give them the stop signal, then SIGKILL, so nothing outlives its instance.
   */
  private async reapGroup(): Promise<void> {
    if (isWindows(this.platform)) return;
    // An adopted leader's pid may already belong to another process (which may lead a group of
    // its own): then the group is not ours to signal.
    if (this.adopted && (await readIdentity(this.pid, this.platform)) !== undefined) return;
    if (!(await groupAlive(this.pid, this.platform))) return;
    signalGroup(this.pid, this.stopDefaults.signal);
    const deadline = Date.now() + this.stopDefaults.timeoutMs;
    while ((await groupAlive(this.pid, this.platform)) && Date.now() < deadline) await delay(25);
    if (await groupAlive(this.pid, this.platform)) {
      signalGroup(this.pid, 'SIGKILL');
      const hardDeadline = Date.now() + 5000;
      while ((await groupAlive(this.pid, this.platform)) && Date.now() < hardDeadline)
        await delay(10);
    }
  }
}

function childExit(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
}

/** An adopted process is not our child: poll until its pid is gone or belongs to another process. */
function pollExit(
  identity: ProcessIdentity,
  platform: Platform,
  everyMs: number,
): Promise<ExitInfo> {
  return new Promise((resolve) => {
    const check = async (): Promise<void> => {
      const now = await readIdentity(identity.pid, platform);
      if (!now || now.startTime !== identity.startTime) {
        resolve({ code: null, signal: null, at: Date.now() });
        return;
      }
      setTimeout(() => void check(), everyMs).unref();
    };
    void check();
  });
}

function signalGroup(pid: number, signal: string): void {
  try {
    process.kill(-pid, signal as NodeJS.Signals);
  } catch {
    // ESRCH: the group is already empty.
  }
}

/** Whether any process of the group still runs (zombies awaiting their reaper do not count). */
async function groupAlive(pid: number, platform: Platform): Promise<boolean> {
  try {
    process.kill(-pid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return false;
  }
  return platform === 'linux' ? (await linuxGroupMembers(pid)).length > 0 : true;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** POST to an instance's shutdown endpoint (node:http; fetch would load undici into the daemon). */
function postShutdown(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.once('end', resolve);
    });
    req.once('timeout', () => req.destroy(new Error('no answer within 2000ms')));
    req.once('error', reject);
    req.end();
  });
}
