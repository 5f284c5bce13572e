import type { UpdateStatusView } from '../../src/app/index.js';

/** An update's status view (update u1 of web, v1 → v2, rolling) at `phase` and `progress`. */
export function updateStatus(
  phase: UpdateStatusView['status'],
  progress: number,
  message: string = phase,
): UpdateStatusView {
  return {
    update_id: 'u1',
    process_name: 'web',
    status: phase,
    progress,
    message,
    timestamp: 1_700_000_000_123 + progress,
    kind: 'update',
    from_version: 'v1',
    to_version: 'v2',
    strategy: 'rolling',
    started_at: 1_700_000_000_000,
  };
}
