/**
 * What the tunnel runner tells the rest of the daemon. Neither type ever carries the accessToken:
 * statuses and events reach logs, the API, the dashboard and the tray.
 */
export type TunnelState = 'starting' | 'registering' | 'connected' | 'backoff' | 'stopped';

export interface TunnelStatus {
  state: TunnelState;
  /** The public URL while cloudflared runs and has printed one. */
  url?: string;
  pid?: number;
  /** Runs started after the first (restarts after an exit or a failed spawn). */
  restarts: number;
  /** The URL is registered with the auth worker and an accessToken is held. */
  registered: boolean;
  /** When the next cloudflared run (backoff) or registration attempt (registering) happens. */
  nextAttemptAt?: number;
  lastError?: string;
  /** When the current state began. */
  since: number;
}

export type TunnelEvent =
  | { type: 'tunnel.started'; pid: number }
  | { type: 'tunnel.url'; url: string }
  | { type: 'tunnel.registered'; url: string }
  | { type: 'tunnel.registration_failed'; message: string }
  | { type: 'tunnel.spawn_failed'; message: string; restartInMs: number }
  | { type: 'tunnel.exited'; code: number | null; signal: string | null; restartInMs: number }
  | { type: 'tunnel.stopped' };
