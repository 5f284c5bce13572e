/**
 * The real tray: systray2, which runs a small native helper (shipped in its npm package, one per
 * OS) and talks JSON lines to it. The helper builds its menu once from the first model and can
 * then only update items in place (title, tooltip, enabled, hidden), addressed by their position;
 * trayModel keeps one fixed layout for that reason.
 *
 * On Linux the helper needs GTK 3, libappindicator3 (Debian: libayatana-appindicator3-1) and a
 * display; the icon appears where a StatusNotifier host runs (most desktops).
 */
import { accessSync, chmodSync, constants, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DaemonError, type Platform } from '../shared/index.js';
import type { TrayBackend } from './backend.js';
import { trayIconBase64 } from './icons.js';
import type { TrayEntry, TrayModel } from './model.js';

/** The parts of systray2's API used here (its own types are CommonJS-only). */
interface SysTrayItem {
  title: string;
  tooltip: string;
  enabled?: boolean;
  hidden?: boolean;
}
interface SysTrayMenu {
  icon: string;
  title: string;
  tooltip: string;
  items: SysTrayItem[];
}
interface SysTrayInstance {
  ready(): Promise<void>;
  onClick(listener: (action: { seq_id: number }) => void): Promise<unknown>;
  sendAction(
    action:
      | { type: 'update-item'; item: SysTrayItem; seq_id: number }
      | { type: 'update-menu'; menu: SysTrayMenu },
  ): Promise<unknown>;
  kill(exitNode?: boolean): Promise<void>;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  onError(listener: (error: Error) => void): void;
  readonly process: null | {
    pid?: number;
    exitCode: number | null;
    kill(signal?: string): boolean;
    stderr: NodeJS.ReadableStream | null;
    stdin: NodeJS.WritableStream | null;
  };
}
type SysTrayClass = new (conf: {
  menu: SysTrayMenu;
  debug?: boolean;
  copyDir?: string;
}) => SysTrayInstance;

const SEPARATOR_TITLE = '<SEPARATOR>';
const CLOSE_TIMEOUT_MS = 3000;
const SPAWN_TIMEOUT_MS = 5000;

export interface Systray2BackendOptions {
  platform: Platform;
  /** The helper exited without close() (the desktop session ended, or it crashed). */
  onHelperExit?: (code: number | null, signal: string | null) => void;
}

export class Systray2Backend implements TrayBackend {
  private tray: SysTrayInstance | undefined;
  private shown: TrayModel | undefined;
  private listener: ((id: string) => void) | undefined;
  private closing = false;
  private exited: Promise<void> | undefined;
  /** The helper process has exited (by itself, a signal, or close()). */
  private helperGone = false;

  constructor(private readonly options: Systray2BackendOptions) {}

  /** The helper's process id once it runs (for tests). */
  get helperPid(): number | undefined {
    return this.tray?.process?.pid;
  }

  async setMenu(model: TrayModel): Promise<void> {
    if (this.closing) return;
    if (!this.tray) return this.create(model);
    if (this.helperGone) throw new DaemonError('internal', 'the tray helper is not running');
    const before = this.shown!;
    if (!sameLayout(before, model))
      throw new DaemonError(
        'internal',
        'the tray menu layout changed; the helper cannot rebuild it',
      );
    const tray = this.tray;
    if (before.icon !== model.icon || before.tooltip !== model.tooltip)
      await tray.sendAction({ type: 'update-menu', menu: this.menu(model) });
    for (const [seq, entry] of model.items.entries()) {
      const previous = before.items[seq];
      if (entry.kind === 'item' && JSON.stringify(entry) !== JSON.stringify(previous))
        await tray.sendAction({ type: 'update-item', item: helperItem(entry), seq_id: seq });
    }
    this.shown = model;
  }

  onClick(listener: (id: string) => void): void {
    this.listener = listener;
  }

  async close(): Promise<void> {
    if (this.closing) return this.exited;
    this.closing = true;
    const helper = this.tray?.process;
    // exitCode stays null for a helper killed by a signal: only the exit event tells.
    if (!this.tray || !helper || this.helperGone) return;
    // kill(false): ask the helper to exit, without systray2 ending this Node process too.
    const timeout = setTimeout(() => helper.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    const tray = this.tray;
    await Promise.all([tray.kill(false), this.exited]);
    clearTimeout(timeout);
  }

  private async create(model: TrayModel): Promise<void> {
    const { SysTray, copyDir } = loadSysTray(this.options.platform);
    const tray = new SysTray({ menu: this.menu(model), ...(copyDir ? { copyDir } : {}) });
    this.tray = tray;
    // A helper that fails to spawn rejects ready() while we wait below; it is reported by the race.
    tray.ready().catch(() => undefined);
    await spawned(tray);
    let stderr = '';
    // Read the helper's complaints (a missing display, GTK warnings) so a failure can quote them.
    tray.process?.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-1000);
    });
    let ready = false;
    const failed = new Promise<never>((_, reject) => {
      tray.onError((error) => reject(helperError(error.message, error)));
      tray.onExit((code, signal) => {
        if (!ready)
          reject(helperError(`it exited (${signal ?? `code ${code}`}) ${lastLine(stderr)}`.trim()));
      });
    });
    // A write to a helper that just died fails on its pipe; the exit itself is reported below.
    tray.process?.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      tray.onExit((code, signal) => {
        this.helperGone = true;
        resolve();
        if (ready && !this.closing) this.options.onHelperExit?.(code, signal);
      }),
    );
    await Promise.race([tray.ready(), failed]);
    ready = true;
    this.shown = model;
    await tray.onClick((action) => {
      const entry = this.shown?.items[action.seq_id];
      if (entry?.kind === 'item') this.listener?.(entry.id);
    });
  }

  private menu(model: TrayModel): SysTrayMenu {
    return {
      icon: trayIconBase64(model.icon, this.options.platform),
      title: '',
      tooltip: model.tooltip,
      items: model.items.map(helperItem),
    };
  }
}

function helperItem(entry: TrayEntry): SysTrayItem {
  if (entry.kind === 'separator') return { title: SEPARATOR_TITLE, tooltip: '', enabled: true };
  return {
    title: entry.title,
    tooltip: entry.tooltip,
    enabled: entry.enabled,
    hidden: entry.hidden,
  };
}

function sameLayout(a: TrayModel, b: TrayModel): boolean {
  return (
    a.items.length === b.items.length &&
    a.items.every((entry, i) => entry.id === b.items[i]?.id && entry.kind === b.items[i]?.kind)
  );
}

/**
 * systray2 finds its helper next to its own files, so it is loaded from node_modules at run time
 * (a bundled copy would look for the helper beside the bundle).
 *
 * npm does not keep the helper's execute bit, and systray2's own chmod('+x') is not a valid mode
 * for Node, so it fails quietly: make the helper executable, or, where node_modules is not ours
 * (a global install), run a private copy through systray2's `copyDir` (it uses a copy that exists).
 */
function loadSysTray(platform: Platform): { SysTray: SysTrayClass; copyDir?: string } {
  const require = createRequire(import.meta.url);
  const SysTray = (require('systray2') as { default: SysTrayClass }).default;
  if (platform === 'win32') return { SysTray };
  const root = dirname(require.resolve('systray2'));
  const name = platform === 'darwin' ? 'tray_darwin_release' : 'tray_linux_release';
  const helper = join(root, 'traybin', name);
  if (isExecutable(helper)) return { SysTray };
  try {
    chmodSync(helper, 0o755);
    return { SysTray };
  } catch {
    const copyDir = join(homedir(), '.cache', 'gowinproc', 'tray');
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    const copy = join(copyDir, version, name);
    if (!isExecutable(copy)) {
      mkdirSync(dirname(copy), { recursive: true });
      copyFileSync(helper, copy);
      chmodSync(copy, 0o755);
    }
    return { SysTray, copyDir };
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * systray2 starts its helper a few file operations after its constructor returns (it finds and
 * chmods the binary first), and its onExit/onError need that process: wait for it to exist.
 */
async function spawned(tray: SysTrayInstance): Promise<void> {
  const deadline = Date.now() + SPAWN_TIMEOUT_MS;
  while (!tray.process) {
    if (Date.now() > deadline) throw helperError(`no helper process after ${SPAWN_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function helperError(reason: string, cause?: Error): DaemonError {
  return new DaemonError('internal', `the tray helper did not start: ${reason}`, {
    ...(cause ? { cause } : {}),
  });
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? ''
  );
}
