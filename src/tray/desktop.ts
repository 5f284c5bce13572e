/**
 * The desktop's own tools, one small function per platform difference: open a URL or a folder
 * (xdg-open / open / start), put text on the clipboard (clip / pbcopy / wl-copy / xclip).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DaemonError, type Platform } from '../shared/index.js';

export interface DesktopCommand {
  command: string;
  args: string[];
  /** Windows: pass `args` as they are (cmd's own quoting), not re-quoted by Node. */
  verbatim?: boolean;
}

/** Opens a URL in the browser or a folder in the file manager. */
export function openCommand(platform: Platform, target: string): DesktopCommand {
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: [target] };
    case 'win32':
      if (!/^https?:\/\//.test(target)) return { command: 'explorer.exe', args: [target] };
      // `start` is a cmd built-in; the URL in quotes keeps cmd from reading & and | in it.
      return {
        command: 'cmd.exe',
        args: ['/d', '/s', '/c', `start "" "${target.replace(/"/g, '%22')}"`],
        verbatim: true,
      };
    default:
      return { command: 'xdg-open', args: [target] };
  }
}

/**
 * The tool that copies its standard input to the clipboard, or undefined when this machine has
 * none (Linux without wl-copy or xclip).
 */
export function clipboardCommand(
  platform: Platform,
  env: Readonly<Record<string, string | undefined>>,
  isInstalled: (command: string) => boolean,
): DesktopCommand | undefined {
  switch (platform) {
    case 'darwin':
      return { command: 'pbcopy', args: [] };
    case 'win32':
      return { command: 'clip', args: [] };
    default:
      if (env['WAYLAND_DISPLAY'] && isInstalled('wl-copy')) return { command: 'wl-copy', args: [] };
      if (isInstalled('xclip')) return { command: 'xclip', args: ['-selection', 'clipboard'] };
      if (isInstalled('wl-copy')) return { command: 'wl-copy', args: [] };
      return undefined;
  }
}

/** Whether an executable of that name is on PATH (POSIX; Windows tools are always there). */
export function isOnPath(
  command: string,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * Starts the command and resolves once it has started (opening tools hand over to the browser or
 * file manager and may linger); a missing tool is a clear error.
 */
export function launch(command: DesktopCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.command, command.args, {
      stdio: 'ignore',
      detached: true,
      windowsHide: true,
      windowsVerbatimArguments: command.verbatim === true,
    });
    child.once('error', (error) => reject(notStarted(command, error)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** Runs the command with `input` on its standard input and waits for it to succeed. */
export function runWithInput(command: DesktopCommand, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.command, command.args, {
      stdio: ['pipe', 'ignore', 'pipe'],
      windowsHide: true,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', (error) => reject(notStarted(command, error)));
    child.once('close', (code) => {
      if (code === 0) return resolve();
      reject(
        new DaemonError(
          'internal',
          `${command.command} exited with code ${code}${stderr.trim() ? `: ${stderr.trim().slice(0, 200)}` : ''}`,
        ),
      );
    });
    child.stdin.on('error', () => undefined); // an early exit is reported by 'close'
    child.stdin.end(input);
  });
}

function notStarted(command: DesktopCommand, error: Error): DaemonError {
  const code = (error as NodeJS.ErrnoException).code;
  return new DaemonError(
    'internal',
    code === 'ENOENT'
      ? `${command.command} is not installed`
      : `cannot run ${command.command}: ${error.message}`,
    { cause: error },
  );
}
