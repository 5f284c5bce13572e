/**
 * The ProcessDriver port: how the supervisor starts, watches and stops OS processes. The Node
 * driver does it for real; the scripted fake does it in memory for fast supervisor tests. One
 * contract suite (driver.contract.ts) runs against both.
 */
import type { Readable } from 'node:stream';

export interface SpawnSpec {
  /** Absolute path, or a bare command name looked up on PATH. */
  command: string;
  args: string[];
  cwd: string;
  /** The complete environment of the child. */
  env: Record<string, string>;
  /**
   * Where the child's output pipes live so a restarted daemon can reattach to them (POSIX named
   * pipes). Unset: ordinary pipes, which do not outlive the daemon.
   */
  io?: { dir: string; name: string } | undefined;
  /** How to stop it; also used to clean up processes left in its group after it exits. */
  stop: StopRequest;
}

/** What the OS says a process is; all three must match for a pid to count as ours. */
export interface ProcessIdentity {
  pid: number;
  /** An opaque start stamp from the OS (boot id + start ticks on Linux). */
  startTime: string;
  /** The command line as the OS reports it. */
  command: string;
}

export interface ExitInfo {
  /** Exit code, or null when killed by a signal or unknown (an adopted process). */
  code: number | null;
  signal: string | null;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface StopRequest {
  signal: string;
  timeoutMs: number;
  /** Windows: POST this path on the instance's port before taskkill. */
  httpEndpoint?: string | undefined;
  port?: number | undefined;
}

export interface ProcessHandle {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves when the process and every process of its tree are gone. */
  readonly exited: Promise<ExitInfo>;
  /** Graceful stop of the whole tree, forced after the timeout; resolves with the exit. */
  stop(request: StopRequest): Promise<ExitInfo>;
  /** True when this handle was reattached to a process a previous daemon started. */
  readonly adopted: boolean;
}

export interface AdoptRequest {
  identity: ProcessIdentity;
  /** What was spawned, to recognise the process if its command line changed after exec. */
  spawned?: { command: string; args: string[] } | undefined;
  io?: { dir: string; name: string } | undefined;
  stop: StopRequest;
}

export interface ProcessDriver {
  spawn(spec: SpawnSpec): Promise<ProcessHandle>;
  /** Reattaches to a process a previous daemon started; undefined when it is gone or not ours. */
  adopt(request: AdoptRequest): Promise<ProcessHandle | undefined>;
  /**
   * Kills what is left of the process group of a recorded instance whose leader is gone (its
   * workers, after a daemon crash). Does nothing while the pid is alive: then it is not ours.
   */
  cleanupGroup(pid: number): Promise<void>;
  /** The identity of a live pid, or undefined when there is no such process. */
  identify(pid: number): Promise<ProcessIdentity | undefined>;
}
