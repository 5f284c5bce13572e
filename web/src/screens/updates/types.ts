/** The hot-deploy answers this screen reads (src/api/rest/routes/update-schemas.ts). */

export type UpdateStrategy = 'rolling' | 'blue-green' | 'immediate';

export const STRATEGIES: UpdateStrategy[] = ['rolling', 'blue-green', 'immediate'];

export type UpdatePhase =
  | 'pending'
  | 'downloading'
  | 'verifying'
  | 'extracting'
  | 'starting'
  | 'health_check'
  | 'draining'
  | 'stopping'
  | 'completed'
  | 'failed'
  | 'rolled_back';

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface AvailableUpdate {
  processName: string;
  currentVersion: string;
  latestVersion: string;
  releaseDate: string;
  releaseNotes: string;
  upToDate: boolean;
  repository: string;
  releaseUrl?: string;
  error?: ErrorInfo;
}

export interface AvailableUpdates {
  updates: AvailableUpdate[];
}

/** GET /api/v1/updates/:id and each `status` event of its SSE twin. */
export interface UpdateStatus {
  update_id: string;
  process_name: string;
  status: UpdatePhase;
  progress: number;
  message: string;
  timestamp: number;
  kind: 'update' | 'rollback';
  from_version: string;
  to_version: string;
  strategy: UpdateStrategy;
  trigger?: string;
  started_at: number;
  ended_at?: number;
  download?: { bytes: number; total: number | null; rate: number };
  error?: ErrorInfo;
}

export interface HistoryEntry {
  version: string;
  installed_at: string;
  active: boolean;
  previous: boolean;
  installed: boolean;
  asset: string;
  sha256: string;
  verified: boolean;
  published_at?: string;
  release_url?: string;
}

export interface ProcessVersion {
  process: string;
  current_version: string;
  previous_version: string;
  latest_version: string;
  update_available: boolean;
  latest_error?: ErrorInfo;
  repository: string | null;
  instances: Array<{ id: string; version: string; uptime: number }>;
  history: HistoryEntry[];
  update_status?: UpdateStatus;
}

export interface UpdateStarted {
  message: string;
  process: string;
  update_id: string;
  current_version: string;
  target_version: string;
  estimated_duration: number;
}

export interface RollbackStarted {
  message: string;
  process: string;
  rollback_id: string;
  from_version: string;
  to_version: string;
}

export interface UpdateAllStarted {
  success: boolean;
  message: string;
  processes: Array<{
    name: string;
    current_version: string;
    target_version: string;
    status: 'started' | 'up_to_date' | 'skipped' | 'failed';
    estimated_duration: number;
    update_id?: string;
    message?: string;
  }>;
  updateId: string;
}

export const FINAL_PHASES: ReadonlySet<UpdatePhase> = new Set([
  'completed',
  'failed',
  'rolled_back',
]);
