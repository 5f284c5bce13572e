/** The events timeline: the detail's recent events plus live ones, newest first, each once. */
import type { DaemonEvent } from '../../api/types';

export const MAX_TIMELINE = 100;

export function mergeEvents(
  recorded: readonly DaemonEvent[],
  live: readonly DaemonEvent[],
  process: string,
): DaemonEvent[] {
  const bySeq = new Map<number, DaemonEvent>();
  for (const event of recorded) bySeq.set(event.seq, event);
  for (const event of live) if (event.process === process) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, MAX_TIMELINE);
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

/** One line saying what happened, from the fields the event carries (docs/api.md, Events). */
export function describeEvent(event: DaemonEvent): string {
  const parts: string[] = [];
  const from = text(event['from']);
  const to = text(event['to']);
  if (from !== undefined && to !== undefined) parts.push(`${from} → ${to}`);
  else if (to !== undefined) parts.push(`→ ${to}`);
  if (typeof event['ok'] === 'boolean') parts.push(event['ok'] ? 'check passed' : 'check failed');
  const detail = text(event['detail']);
  if (detail) parts.push(detail);
  const reason = text(event['reason']);
  if (reason) parts.push(reason);
  if (event.message) parts.push(event.message);
  const code = text(event['code']);
  if (code) parts.push(`(${code})`);
  return parts.join(' · ');
}
