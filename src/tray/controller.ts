/**
 * Polls the daemon, turns what it hears into a TrayModel and shows it; runs the clicked items.
 * The tray is a separate per-user process, so polling the daemon every few seconds is its way of
 * staying current (three small GETs; the menu is re-sent only when it changed).
 *
 * Every action leaves its outcome in the menu's notice line ("Copied ...", "Reload failed: ...")
 * for `noticeMs`, since a tray has no other place to say it.
 */
import type { ProcessSummary, TunnelView } from '../app/index.js';
import type { DaemonStatus, ReloadResult } from '../client/index.js';
import { DaemonError, type CancelTimer, type Clock } from '../shared/index.js';
import type { TrayBackend } from './backend.js';
import {
  TRAY_ACTIONS,
  trayModel,
  type TrayAddresses,
  type TrayModel,
  type TrayState,
} from './model.js';

/** The daemon calls the tray makes (DaemonClient has them). */
export interface TrayClient {
  status(): Promise<DaemonStatus>;
  processes(): Promise<{ items: ProcessSummary[] }>;
  tunnel(): Promise<TunnelView>;
  reload(): Promise<ReloadResult>;
  shutdown(): Promise<{ status: string }>;
  restartDaemon(): Promise<{ status: string }>;
}

/** What the tray asks of the desktop. */
export interface TrayDesktop {
  openUrl(url: string): Promise<void>;
  openFolder(path: string): Promise<void>;
  /** Undefined when this machine has no clipboard tool. */
  copyText: ((text: string) => Promise<void>) | undefined;
}

export interface TrayControllerOptions {
  client: TrayClient;
  backend: TrayBackend;
  clock: Clock;
  desktop: TrayDesktop;
  addresses: TrayAddresses;
  logsDir?: string | undefined;
  /** Between the end of one poll and the start of the next. */
  pollIntervalMs?: number;
  noticeMs?: number;
  /** Called once when the user closes the tray. */
  onClose?: () => void;
  /** A menu the backend could not show (the native helper died). */
  onError?: (error: Error) => void;
}

export const DEFAULT_POLL_INTERVAL_MS = 3000;
const DEFAULT_NOTICE_MS = 10_000;

export class TrayController {
  private state: TrayState;
  private shown: string | undefined;
  private cancelPoll: CancelTimer | undefined;
  private polling: Promise<void> | undefined;
  private notice: { text: string; until: number } | undefined;
  private closed = false;
  /** Clicks run one at a time, in order. */
  private actions: Promise<void> = Promise.resolve();

  constructor(private readonly options: TrayControllerOptions) {
    this.state = {
      reachable: false,
      problem: 'not asked yet',
      processes: [],
      addresses: options.addresses,
      logsDir: options.logsDir,
      canCopy: options.desktop.copyText !== undefined,
    };
    options.backend.onClick((id) => {
      this.actions = this.actions
        .then(() => this.run(id))
        .catch((error: unknown) => this.options.onError?.(error as Error));
    });
  }

  /** Polls once, shows the menu, and keeps polling until close(). */
  async start(): Promise<void> {
    await this.poll();
  }

  /** The state of the last poll (for tests and logs). */
  current(): TrayState {
    return this.state;
  }

  /** Polls now (after any poll in flight) and reschedules; resolves when the menu shows it. */
  poll(): Promise<void> {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    const tracked: Promise<void> = (this.polling ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.refresh())
      .finally(() => {
        if (this.polling !== tracked) return;
        this.polling = undefined;
        this.schedule();
      });
    this.polling = tracked;
    return tracked;
  }

  /** Resolves when every click so far has run. */
  settled(): Promise<void> {
    return this.actions;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    await this.options.backend.close();
    this.options.onClose?.();
  }

  private schedule(): void {
    if (this.closed) return;
    this.cancelPoll = this.options.clock.setTimeout(
      () => void this.poll().catch((error: unknown) => this.options.onError?.(error as Error)),
      this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    );
  }

  private async refresh(): Promise<void> {
    const { client } = this.options;
    try {
      const [status, processes, tunnel] = await Promise.all([
        client.status(),
        client.processes(),
        // The tunnel is optional: a failure here must not hide the rest.
        client.tunnel().catch(() => undefined),
      ]);
      this.state = { ...this.base(), reachable: true, status, processes: processes.items, tunnel };
    } catch (error) {
      this.state = {
        ...this.base(),
        reachable: false,
        problem: DaemonError.from(error).message,
        processes: [],
      };
    }
    await this.show();
  }

  private base(): TrayState {
    return {
      reachable: this.state.reachable,
      processes: this.state.processes,
      addresses: this.options.addresses,
      logsDir: this.options.logsDir,
      canCopy: this.options.desktop.copyText !== undefined,
    };
  }

  private async show(): Promise<void> {
    if (this.closed) return;
    const now = this.options.clock.now();
    if (this.notice && now >= this.notice.until) this.notice = undefined;
    const model: TrayModel = trayModel({ ...this.state, notice: this.notice?.text });
    const key = JSON.stringify(model);
    if (key === this.shown) return;
    await this.options.backend.setMenu(model);
    this.shown = key;
  }

  private say(text: string): void {
    this.notice = {
      text,
      until: this.options.clock.now() + (this.options.noticeMs ?? DEFAULT_NOTICE_MS),
    };
  }

  private async run(id: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.act(id);
    } catch (error) {
      this.say(`${actionName(id)} failed: ${DaemonError.from(error).message}`);
    }
    if (id === TRAY_ACTIONS.closeTray) return;
    // Show the outcome now, and what the action changed.
    if (
      id === TRAY_ACTIONS.reload ||
      id === TRAY_ACTIONS.restartDaemon ||
      id === TRAY_ACTIONS.quitDaemon
    )
      await this.poll();
    else await this.show();
  }

  private async act(id: string): Promise<void> {
    const { desktop, client, addresses } = this.options;
    const state = this.state;
    if (id.startsWith('process:')) {
      const process = state.processes[Number(id.slice('process:'.length))];
      if (!process) return;
      await desktop.openUrl(`${addresses.dashboard}/processes/${encodeURIComponent(process.name)}`);
      return;
    }
    switch (id) {
      case TRAY_ACTIONS.openDashboard:
        await desktop.openUrl(addresses.dashboard);
        return;
      case TRAY_ACTIONS.copyTunnel: {
        const url = state.tunnel?.url;
        if (!url) return this.say('The tunnel has no URL yet');
        if (!desktop.copyText) return this.say('No clipboard tool: install xclip or wl-copy');
        await desktop.copyText(url);
        return this.say(`Copied ${url}`);
      }
      case TRAY_ACTIONS.viewLogs:
        if (this.options.logsDir !== undefined) await desktop.openFolder(this.options.logsDir);
        return;
      case TRAY_ACTIONS.reload:
        return this.say((await client.reload()).message);
      case TRAY_ACTIONS.restartDaemon:
        await client.restartDaemon();
        return this.say('Restarting the daemon…');
      case TRAY_ACTIONS.quitDaemon:
        await client.shutdown();
        return this.say('The daemon is shutting down');
      case TRAY_ACTIONS.closeTray:
        return this.close();
    }
  }
}

function actionName(id: string): string {
  if (id.startsWith('process:')) return 'Open process';
  switch (id) {
    case TRAY_ACTIONS.copyTunnel:
      return 'Copy';
    case TRAY_ACTIONS.openDashboard:
      return 'Open dashboard';
    case TRAY_ACTIONS.viewLogs:
      return 'View logs';
    case TRAY_ACTIONS.reload:
      return 'Reload';
    case TRAY_ACTIONS.restartDaemon:
      return 'Restart daemon';
    case TRAY_ACTIONS.quitDaemon:
      return 'Quit daemon';
    default:
      return id;
  }
}
