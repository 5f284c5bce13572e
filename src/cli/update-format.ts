/** Text output of the update commands: versions, available updates, update --all, outcomes. */
import type {
  AvailableUpdateView,
  ProcessVersionView,
  UpdateAllView,
  UpdateStatusView,
} from '../app/index.js';
import { formatUptime, table } from './format.js';

/** A process without an installed release runs its configured binary_path. */
const versionOrBinary = (version: string): string => version || 'binary_path';

const isRunning = (status: UpdateStatusView): boolean =>
  !['completed', 'failed', 'rolled_back'].includes(status.status);

/** What `versions NAME` prints: current, previous, latest, instances, then the history. */
export function versionsText(view: ProcessVersionView): string {
  const latest = view.latest_error
    ? `unknown (${view.latest_error.message})`
    : view.latest_version === ''
      ? '-'
      : `${view.latest_version}  ${view.update_available ? 'update available' : 'up to date'}`;
  const lines = [
    `${view.process}${view.repository ? `  (${view.repository})` : '  (no repository)'}`,
    `  current   ${view.current_version || '- (runs binary_path)'}`,
    `  previous  ${view.previous_version || '-'}`,
    `  latest    ${latest}`,
  ];
  const update = view.update_status;
  if (update !== undefined && isRunning(update))
    lines.push(
      `  ${update.kind.padEnd(10)}${update.to_version}: ${update.status} ${update.progress}% (${update.update_id})`,
    );
  lines.push('');
  lines.push(
    view.instances.length === 0
      ? 'no instance running'
      : table(
          ['instance', 'version', 'uptime'],
          view.instances.map((i) => [i.id, versionOrBinary(i.version), formatUptime(i.uptime)]),
        ),
  );
  lines.push('');
  lines.push(
    view.history.length === 0
      ? 'no release installed yet'
      : table(
          ['version', 'installed at', 'state', 'verified', 'asset'],
          view.history.map((h) => [
            h.version,
            h.installed_at.replace('T', ' ').slice(0, 19),
            [h.active ? 'current' : h.previous ? 'previous' : '', h.installed ? '' : 'removed']
              .filter(Boolean)
              .join(', ') || '-',
            h.verified ? 'sha256' : 'no',
            h.asset,
          ]),
        ),
  );
  return lines.join('\n');
}

/** What `updates` prints: one row per process with a repository. */
export function availableText(updates: readonly AvailableUpdateView[]): string {
  if (updates.length === 0) return 'no process has a repository to update from';
  return table(
    ['process', 'current', 'latest', 'released', 'status'],
    updates.map((u) => [
      u.processName,
      versionOrBinary(u.currentVersion),
      u.latestVersion || '-',
      u.releaseDate ? u.releaseDate.slice(0, 10) : '-',
      u.error ? `unknown: ${u.error.message}` : u.upToDate ? 'up to date' : 'update available',
    ]),
  );
}

/** What `update --all` prints: the summary, then each process. */
export function updateAllText(view: UpdateAllView): string {
  if (view.processes.length === 0) return view.message;
  return [
    view.message,
    table(
      ['process', 'current', 'target', 'status', 'update id / reason'],
      view.processes.map((p) => [
        p.name,
        versionOrBinary(p.current_version),
        p.target_version || '-',
        p.status.replaceAll('_', ' '),
        p.update_id ?? p.message ?? '',
      ]),
    ),
  ].join('\n');
}

/** "v1.0.0 → v2.0.0", "binary_path → v1.0.0". */
export function versionChange(from: string, to: string): string {
  return `${versionOrBinary(from)} → ${to}`;
}

/** The last line of a followed update that completed; failures are errors (see the command). */
export function completedText(status: UpdateStatusView): string {
  const seconds = ((status.ended_at ?? status.timestamp) - status.started_at) / 1000;
  return `${status.process_name}: ${status.kind} ${versionChange(status.from_version, status.to_version)} completed in ${seconds.toFixed(1)}s`;
}

/** Why a followed update did not complete, in one line. */
export function unsuccessfulText(status: UpdateStatusView): string {
  const what = `${status.process_name}: ${status.kind} to ${status.to_version}`;
  const cause = status.error?.message;
  const detail =
    cause === undefined || status.message.includes(cause)
      ? status.message
      : `${status.message} (${cause})`;
  if (status.status === 'rolled_back') return `${what} was rolled back: ${detail}`;
  if (status.status === 'failed') return `${what} failed: ${detail}`;
  return `${what} has not ended (${status.status}: ${status.message}); the stream of its status closed early`;
}
