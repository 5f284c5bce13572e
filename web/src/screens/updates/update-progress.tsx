/**
 * One update's (or rollback's) progress, followed live over GET /api/v1/updates/:id/events: a
 * progress bar with the phase, the download figures, and the outcome once it ends.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, seg } from '../../api/client';
import { readEventStream } from '../../api/event-stream';
import { StateBadge, formatBytes } from '../../components/ui';
import { FINAL_PHASES, type UpdatePhase, type UpdateStatus } from './types';

const PHASE_TEXT: Record<UpdatePhase, string> = {
  pending: 'waiting to start',
  downloading: 'downloading the release',
  verifying: 'verifying the checksum',
  extracting: 'extracting the archive',
  starting: 'starting new instances',
  health_check: 'waiting for new instances to be ready',
  draining: 'draining old instances',
  stopping: 'stopping old instances',
  completed: 'completed',
  failed: 'failed',
  rolled_back: 'rolled back',
};

export function phaseText(phase: UpdatePhase): string {
  return PHASE_TEXT[phase] ?? phase;
}

/** "12.0 MiB of 40.0 MiB at 2.0 MiB/s", or without the total when GitHub gave none. */
export function downloadText(download: NonNullable<UpdateStatus['download']>): string {
  const of = download.total === null ? '' : ` of ${formatBytes(download.total)}`;
  return `${formatBytes(download.bytes)}${of} at ${formatBytes(download.rate)}/s`;
}

export function UpdateProgress({ id, process }: { id: string; process: string }) {
  const queries = useQueryClient();
  const [status, setStatus] = useState<UpdateStatus | undefined>();
  const [lost, setLost] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    let last: UpdateStatus | undefined;
    setLost(undefined);
    readEventStream(
      `/api/v1/updates/${seg(id)}/events`,
      ({ event, data }) => {
        if (event !== 'status') return;
        try {
          last = JSON.parse(data) as UpdateStatus;
        } catch {
          return;
        }
        setStatus(last);
      },
      abort.signal,
    )
      .then(() => {
        if (abort.signal.aborted) return;
        if (!last || !FINAL_PHASES.has(last.status))
          setLost('the progress stream ended before the update did');
      })
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setLost(error instanceof ApiError ? `${error.message} (${error.code})` : String(error));
      })
      .finally(() => {
        // The versions and the available releases changed (or may have): read them again.
        if (!abort.signal.aborted) void queries.invalidateQueries({ queryKey: ['updates'] });
      });
    return () => abort.abort();
  }, [id, attempt, queries]);

  const label = status?.kind === 'rollback' ? 'Rollback' : 'Update';
  const final = status !== undefined && FINAL_PHASES.has(status.status);
  return (
    <div className="update-progress" data-update-id={id} data-phase={status?.status ?? 'pending'}>
      <div className="update-progress-head">
        <strong>
          {label} of {process}
          {status ? ` ${status.from_version || '(binary)'} → ${status.to_version}` : ''}
        </strong>
        {status ? <StateBadge state={status.status} /> : null}
      </div>
      <progress
        max={100}
        value={status?.progress ?? 0}
        aria-label={`${label} progress of ${process}`}
        aria-valuetext={status ? `${status.progress} %: ${phaseText(status.status)}` : 'starting'}
      />
      <p className="muted" role="status" aria-live="polite">
        {status ? `${status.progress} % · ${phaseText(status.status)}` : 'Connecting…'}
        {status?.message ? ` — ${status.message}` : ''}
        {status?.download && status.status === 'downloading'
          ? ` (${downloadText(status.download)})`
          : ''}
      </p>
      {final && status?.error ? (
        <p className="bad" role="alert">
          {status.error.message} ({status.error.code})
        </p>
      ) : null}
      {lost && !final ? (
        <p className="bad" role="alert">
          Lost the progress of {id}: {lost}.{' '}
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Follow again
          </button>
        </p>
      ) : null}
    </div>
  );
}
