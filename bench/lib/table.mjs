/** Markdown table rendering and number formatting for the final report. */

export function markdownTable(header, rows) {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)),
  );
  const line = (cells) =>
    `| ${cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

export function ms(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function mib(kib) {
  if (kib === null || kib === undefined || !Number.isFinite(kib)) return 'n/a';
  return `${(kib / 1024).toFixed(1)} MiB`;
}

export function times(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(2)}x`;
}

/** A share of one CPU core, in percent. */
export function percent(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(2)} %`;
}

export function bytes(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return value >= 1024 * 1024
    ? `${(value / 1024 / 1024).toFixed(1)} MiB`
    : `${Math.round(value / 1024)} KiB`;
}
