/**
 * Reading a process's identity (start time and command line) from the OS, so a restarted daemon
 * adopts only processes it started and never signals a reused pid. Linux reads /proc (no process
 * spawned); macOS asks `ps` once; Windows asks PowerShell's CIM once. These run at daemon start
 * (adoption) and at instance start, never per sample.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Platform } from '../../shared/index.js';
import type { ProcessIdentity } from './types.js';

const run = promisify(execFile);

let bootId: Promise<string> | undefined;

export async function readIdentity(
  pid: number,
  platform: Platform,
): Promise<ProcessIdentity | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    switch (platform) {
      case 'linux':
        return await linuxIdentity(pid);
      case 'win32':
        return parseWindowsIdentity(
          pid,
          (
            await run(
              'powershell.exe',
              ['-NoProfile', '-NonInteractive', '-Command', windowsQuery(pid)],
              { windowsHide: true },
            )
          ).stdout,
        );
      default:
        return parsePsIdentity(
          pid,
          (await run('ps', ['-o', 'lstart=,command=', '-p', String(pid)])).stdout,
        );
    }
  } catch {
    return undefined;
  }
}

async function linuxIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  bootId ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((s) => s.trim());
  const [stat, cmdline, boot] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/cmdline`),
    bootId,
  ]);
  const parsed = parseProcStat(stat);
  if (!parsed || parsed.state === 'Z' || parsed.state === 'X') return undefined;
  return { pid, startTime: `${boot}:${parsed.startTicks}`, command: parseCmdline(cmdline) };
}

/** Fields of /proc/<pid>/stat after the command name (which may itself hold spaces and parens). */
export function parseProcStat(
  text: string,
): { state: string; ppid: number; pgrp: number; startTicks: string } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state); starttime is field 22.
  const startTicks = fields[19];
  if (fields[0] === undefined || startTicks === undefined) return undefined;
  return { state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks };
}

export function parseCmdline(raw: Buffer): string {
  return raw.toString('utf8').replace(/\0+$/, '').split('\0').join(' ');
}

/** `ps -o lstart=,command=` prints a 24-character start date, then the command. */
export function parsePsIdentity(pid: number, stdout: string): ProcessIdentity | undefined {
  const line = stdout.split('\n').find((l) => l.trim() !== '');
  if (!line || line.length < 25) return undefined;
  return { pid, startTime: line.slice(0, 24).trim(), command: line.slice(24).trim() };
}

function windowsQuery(pid: number): string {
  return `$p = Get-CimInstance Win32_Process -Filter "ProcessId=${pid}"; if ($p) { $p.CreationDate.ToUniversalTime().ToString('o'); $p.CommandLine }`;
}

/** Two lines: the creation date (ISO 8601) and the command line. */
export function parseWindowsIdentity(pid: number, stdout: string): ProcessIdentity | undefined {
  const [start, ...command] = stdout.replace(/\r/g, '').split('\n');
  if (!start || start.trim() === '') return undefined;
  return { pid, startTime: start.trim(), command: command.join('\n').trim() };
}

/** What gowinproc asked the OS to run (recorded beside the identity). */
export interface SpawnedCommand {
  command: string;
  args: string[];
}

/**
 * Whether a live process is the one recorded: same pid and OS start time, and a command line
 * that is the recorded one, or that still shows what we spawned (its executable's name and every
 * argument, in order). The second form covers a command line read before an exec chain settled
 * (`#!/usr/bin/env node` re-executes as `node script`).
 */
export function matchesIdentity(
  recorded: ProcessIdentity,
  current: ProcessIdentity,
  spawned?: SpawnedCommand,
): boolean {
  if (recorded.pid !== current.pid || recorded.startTime !== current.startTime) return false;
  if (recorded.command === current.command) return true;
  return spawned !== undefined && showsSpawn(current.command, spawned);
}

function showsSpawn(commandLine: string, spawned: SpawnedCommand): boolean {
  const name = spawned.command.split(/[\\/]/).pop() ?? spawned.command;
  let at = commandLine.indexOf(name);
  if (name === '' || at < 0) return false;
  at += name.length;
  for (const arg of spawned.args) {
    const found = commandLine.indexOf(arg, at);
    if (found < 0) return false;
    at = found + arg.length;
  }
  return true;
}

/**
 * Live (not zombie) members of a process group, from /proc. Zombies count as gone: they are dead
 * and only wait for init to reap them, which some container inits do slowly.
 */
export async function linuxGroupMembers(pgid: number): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const members: number[] = [];
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const stat = parseProcStat(await readFile(`/proc/${name}/stat`, 'utf8').catch(() => ''));
        if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X')
          members.push(Number(name));
      }),
  );
  return members;
}
