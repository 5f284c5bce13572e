/** The log viewer's pure parts: the line shape, the bounded buffer and the client-side search. */

/** One line of GET /api/v1/processes/:name/logs (schemas.ts logLineSchema). */
export interface LogLine {
  process: string;
  instance: number;
  instance_id: string | null;
  time: string;
  stream: 'out' | 'err' | 'sys';
  text: string;
}

/** The viewer keeps at most this many lines (the oldest go first). */
export const MAX_LINES = 2000;

export function appendBounded<T>(lines: readonly T[], added: readonly T[], max = MAX_LINES): T[] {
  const all = lines.length === 0 ? [...added] : [...lines, ...added];
  return all.length > max ? all.slice(all.length - max) : all;
}

/** Lines containing `search` (case-insensitive; empty keeps every line). */
export function filterLines(lines: readonly LogLine[], search: string): LogLine[] {
  const needle = search.trim().toLowerCase();
  if (needle === '') return [...lines];
  return lines.filter((line) => line.text.toLowerCase().includes(needle));
}

/** `text` cut around each case-insensitive occurrence of `search`, for highlighting matches. */
export function splitMatches(
  text: string,
  search: string,
): Array<{ text: string; match: boolean }> {
  const needle = search.trim().toLowerCase();
  if (needle === '') return [{ text, match: false }];
  const parts: Array<{ text: string; match: boolean }> = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, from)) {
    if (at > from) parts.push({ text: text.slice(from, at), match: false });
    parts.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), match: false });
  return parts;
}

/** The logs route: the tail, optionally one instance (index or id), optionally followed. */
export function logsPath(process: string, instance: string, follow: boolean): string {
  const query = new URLSearchParams({ tail: '200' });
  if (instance !== '') query.set('instance', instance);
  if (follow) query.set('follow', '1');
  return `/api/v1/processes/${encodeURIComponent(process)}/logs?${query.toString()}`;
}
