/** Small shared pieces: state badges, empty/error/loading states, formatted figures. */
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

const TONE: Record<string, 'ok' | 'warn' | 'bad' | 'idle' | 'busy'> = {
  healthy: 'ok',
  running: 'busy',
  starting: 'busy',
  stopping: 'busy',
  degraded: 'warn',
  unhealthy: 'warn',
  backoff: 'warn',
  failed: 'bad',
  stopped: 'idle',
  completed: 'ok',
  rolled_back: 'warn',
  connected: 'ok',
  disabled: 'idle',
};

/** A state as a coloured badge with its name as text (colour is never the only signal). */
export function StateBadge({ state }: { state: string }) {
  return (
    <span className={`badge badge-${TONE[state] ?? 'busy'}`} data-state={state}>
      {state.replace('_', ' ')}
    </span>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

/** An error with what to do next; `retry` re-runs the failed query. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const api = error instanceof ApiError ? error : undefined;
  const hint =
    api?.code === 'daemon_unreachable'
      ? 'Is the daemon running? Start it with `gowinproc run`.'
      : api?.status === 403
        ? 'Your API key does not have the role this needs.'
        : api?.status === 404
          ? 'It may have been removed from the config.'
          : 'Try again; the daemon log (logs/gowinproc.log) has details.';
  return (
    <div className="error-state" role="alert">
      <strong>{api ? `${api.message}` : String(error)}</strong>
      {api ? <code className="muted"> ({api.code})</code> : null}
      <p>{hint}</p>
      {retry ? (
        <button type="button" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${value.toFixed(1)} %`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export function formatTime(at: number | string): string {
  return new Date(at).toLocaleTimeString();
}
