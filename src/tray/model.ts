/**
 * What the tray shows, as a pure function of what the tray knows about the daemon. The menu has a
 * fixed layout (the same item ids in the same order, some hidden or disabled): the native helper
 * behind systray2 builds its menu once and can only update items in place.
 */
import type { ProcessSummary, TunnelView } from '../app/index.js';
import type { DaemonStatus } from '../client/index.js';

export type TrayIcon = 'healthy' | 'degraded' | 'down';

/** Process rows shown; more are summed up in one "...and N more" row. */
export const MAX_PROCESS_ROWS = 8;

export interface TrayAddresses {
  /** The REST API (and dashboard) base URL the tray talks to. */
  rest: string;
  /** The native gRPC address, when the config file says it. */
  grpc?: string | undefined;
  /** The dashboard's URL (the daemon serves it at /). */
  dashboard: string;
}

export interface TrayState {
  /** The daemon answered the last poll (with the credentials the tray has). */
  reachable: boolean;
  /** Why it did not (a DaemonError message: no secrets). */
  problem?: string | undefined;
  status?: DaemonStatus | undefined;
  processes: ProcessSummary[];
  /** Undefined when the daemon did not say (an old daemon, or the call failed). */
  tunnel?: TunnelView | undefined;
  addresses: TrayAddresses;
  /** The daemon's logs folder, when the config file says it. */
  logsDir?: string | undefined;
  /** A clipboard tool exists on this machine. */
  canCopy: boolean;
  /** The outcome of the last action, shown for a while. */
  notice?: string | undefined;
}

export interface TrayMenuItem {
  kind: 'item';
  id: string;
  title: string;
  tooltip: string;
  enabled: boolean;
  hidden: boolean;
}

export interface TraySeparator {
  kind: 'separator';
  id: string;
}

export type TrayEntry = TrayMenuItem | TraySeparator;

export interface TrayModel {
  icon: TrayIcon;
  tooltip: string;
  items: TrayEntry[];
}

/** Ids of the clickable items (process rows are `process:<index>`). */
export const TRAY_ACTIONS = {
  copyTunnel: 'copy-tunnel',
  openDashboard: 'open-dashboard',
  viewLogs: 'view-logs',
  reload: 'reload-config',
  restartDaemon: 'restart-daemon',
  quitDaemon: 'quit-daemon',
  closeTray: 'close-tray',
} as const;

const BROKEN_PROCESS: ReadonlySet<ProcessSummary['status']> = new Set(['failed', 'degraded']);
const BROKEN_TUNNEL: ReadonlySet<TunnelView['state']> = new Set(['backoff', 'stopped']);
/** Windows truncates a tray tooltip at 127 characters. */
const TOOLTIP_MAX = 120;

export function trayIcon(state: TrayState): TrayIcon {
  if (!state.reachable) return 'down';
  return problems(state).length > 0 ? 'degraded' : 'healthy';
}

export function trayModel(state: TrayState): TrayModel {
  const icon = trayIcon(state);
  const up = state.reachable;
  // A daemon already shutting down can be neither quit nor restarted again.
  const running = up && state.status?.status !== 'shutting_down';
  const rows = state.processes.slice(0, MAX_PROCESS_ROWS);
  const more = state.processes.length - rows.length;
  const tunnel = up ? state.tunnel : undefined;
  const tunnelUrl = tunnel?.url ?? null;

  const items: TrayEntry[] = [
    item('daemon', daemonLine(state), state.problem ?? '', { enabled: false }),
    item('processes', up ? processesLine(state) : '', '', { enabled: false, hidden: !up }),
    ...Array.from({ length: MAX_PROCESS_ROWS }, (_, index) => {
      const process = up ? rows[index] : undefined;
      return item(
        `process:${index}`,
        process ? processLine(process) : '',
        process ? `Open ${process.name} in the dashboard` : '',
        { hidden: process === undefined },
      );
    }),
    item('more-processes', `…and ${more} more`, '', { enabled: false, hidden: !up || more <= 0 }),
    separator('sep-addresses'),
    item('rest', `REST: ${state.addresses.rest}`, 'The REST API and dashboard address', {
      enabled: false,
    }),
    item('grpc', `gRPC: ${state.addresses.grpc ?? ''}`, 'The native gRPC address', {
      enabled: false,
      hidden: state.addresses.grpc === undefined,
    }),
    item('tunnel', tunnelLine(state), tunnel?.last_error ?? '', { enabled: false }),
    item(
      TRAY_ACTIONS.copyTunnel,
      state.canCopy ? 'Copy tunnel URL' : 'Copy tunnel URL (install xclip or wl-copy)',
      'Copy the public tunnel URL to the clipboard',
      { enabled: tunnelUrl !== null && state.canCopy, hidden: tunnel?.enabled !== true },
    ),
    separator('sep-actions'),
    item(TRAY_ACTIONS.openDashboard, 'Open dashboard', `Open ${state.addresses.dashboard}`, {
      enabled: up,
    }),
    item(
      TRAY_ACTIONS.viewLogs,
      'View logs',
      state.logsDir === undefined
        ? 'The logs folder is known when the tray starts with --config'
        : `Open ${state.logsDir}`,
      { enabled: state.logsDir !== undefined },
    ),
    item(
      TRAY_ACTIONS.reload,
      'Reload config',
      'Re-read the config file and apply the changes (POST /api/v1/reload)',
      { enabled: up },
    ),
    item(
      TRAY_ACTIONS.restartDaemon,
      'Restart daemon',
      'Stop every instance and the daemon, then start it again (POST /api/v1/restart)',
      { enabled: running },
    ),
    item(
      TRAY_ACTIONS.quitDaemon,
      'Quit daemon',
      'Stop every instance and the daemon (POST /shutdown)',
      { enabled: running },
    ),
    separator('sep-tray'),
    item('notice', state.notice ?? '', '', { enabled: false, hidden: state.notice === undefined }),
    item(TRAY_ACTIONS.closeTray, 'Close tray', 'Close this tray icon (the daemon keeps running)'),
  ];
  return { icon, tooltip: clip(tooltipText(state, icon)), items };
}

/** What is wrong while the daemon answers: broken processes, a broken tunnel, a shutdown. */
function problems(state: TrayState): string[] {
  const found = state.processes
    .filter((p) => BROKEN_PROCESS.has(p.status))
    .map((p) => `${p.name} ${p.status}`);
  if (state.tunnel?.enabled && BROKEN_TUNNEL.has(state.tunnel.state))
    found.push(`tunnel ${state.tunnel.state}`);
  if (state.status?.status === 'shutting_down') found.unshift('shutting down');
  return found;
}

function tooltipText(state: TrayState, icon: TrayIcon): string {
  if (icon === 'down') return `gowinproc: daemon down (${state.addresses.rest})`;
  if (icon === 'degraded') return `gowinproc: ${problems(state).join(', ')}`;
  const count = state.processes.length;
  return `gowinproc: all healthy (${count} process${count === 1 ? '' : 'es'})`;
}

function daemonLine(state: TrayState): string {
  if (!state.reachable) return `Daemon not reachable at ${state.addresses.rest}`;
  const status = state.status;
  if (!status) return 'Daemon: running';
  const what = status.status === 'shutting_down' ? 'shutting down' : 'running';
  return `Daemon: ${what} · v${status.version} · up ${formatUptime(status.uptime)}`;
}

function processesLine(state: TrayState): string {
  const count = state.processes.length;
  if (count === 0) return 'No processes configured';
  const ready = state.processes.reduce((sum, p) => sum + p.ready_count, 0);
  const desired = state.processes.reduce((sum, p) => sum + p.desired, 0);
  return `${count} process${count === 1 ? '' : 'es'} · ${ready}/${desired} instances ready`;
}

function processLine(process: ProcessSummary): string {
  const version = process.version ? ` · ${process.version}` : '';
  return `${process.name}: ${process.status} ${process.ready_count}/${process.desired}${version}`;
}

function tunnelLine(state: TrayState): string {
  if (!state.reachable) return 'Tunnel: unknown';
  const tunnel = state.tunnel;
  if (!tunnel) return 'Tunnel: unknown';
  if (!tunnel.enabled) return 'Tunnel: off';
  if (tunnel.url) return `Tunnel: ${tunnel.url}`;
  return `Tunnel: ${tunnel.state}`;
}

/** Whole units, largest first: 3d 4h, 2h 5m, 40s. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

function clip(text: string): string {
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}

function item(
  id: string,
  title: string,
  tooltip: string,
  options: { enabled?: boolean; hidden?: boolean } = {},
): TrayMenuItem {
  return {
    kind: 'item',
    id,
    title,
    tooltip,
    enabled: options.enabled ?? true,
    hidden: options.hidden ?? false,
  };
}

function separator(id: string): TraySeparator {
  return { kind: 'separator', id };
}
