/**
 * When a certificate is due: a pure decision over its dates and `now`, shared by the prestart
 * hook (reuse or regenerate) and the daily renewer.
 */
import { DAY_MS } from './x509.js';

export interface RenewalInput {
  notAfter: number;
  now: number;
  renewBeforeDays: number;
  /**
   * When known, the renewal window is capped at half the certificate's lifetime, so that a short
   * validity_days under the default renew_before_days (30) does not make every fresh certificate
   * due at once (which would regenerate on every start and restart the process every day).
   */
  notBefore?: number | undefined;
}

export interface RenewalDecision {
  renew: boolean;
  /** When the certificate falls (or fell) due, epoch milliseconds. */
  dueAt: number;
  reason: string;
}

export function decideRenewal(input: RenewalInput): RenewalDecision {
  const { notAfter, now, notBefore } = input;
  let window = Math.max(0, input.renewBeforeDays) * DAY_MS;
  if (notBefore !== undefined && notAfter > notBefore)
    window = Math.min(window, (notAfter - notBefore) / 2);
  const dueAt = notAfter - window;
  const until = new Date(notAfter).toISOString();
  if (now >= notAfter) return { renew: true, dueAt, reason: `expired on ${until}` };
  if (now >= dueAt)
    return {
      renew: true,
      dueAt,
      reason: `expires on ${until}, within ${formatDays(window)} (renew_before_days)`,
    };
  return { renew: false, dueAt, reason: `valid until ${until}` };
}

function formatDays(ms: number): string {
  const days = Math.round((ms / DAY_MS) * 10) / 10;
  return days === 1 ? '1 day' : `${days} days`;
}
