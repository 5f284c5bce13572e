/**
 * The final markdown report: one table per scenario with each manager's figure, gowinproc's
 * ratio to each other manager (below 1 = gowinproc is faster / smaller) and the target.
 */
import { markdownTable, mib, ms, times } from './table.mjs';
import { ratio } from './stats.mjs';

const ORDER = ['gowinproc', 'pm2', 'supervisord'];

function columns(results) {
  const ids = ORDER.filter((id) => results.managers[id]);
  const others = ids.filter((id) => id !== 'gowinproc');
  return { ids, others };
}

/** A figure of one manager, or why there is none. */
function figure(results, id, entry, pick) {
  const manager = results.managers[id];
  if (manager.unavailable) return { text: 'unavailable', value: null };
  if (!entry) return { text: 'not run', value: null };
  if (entry.error) return { text: 'error', value: null };
  const value = pick(entry);
  return { value, text: null };
}

function verdict(value, limit) {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return 'n/a';
  return value <= limit ? 'met' : 'NOT met';
}

function scenarioTable(results, rowsSpec) {
  const { ids, others } = columns(results);
  const header = [
    'metric',
    ...ids.map((id) => results.managers[id].label),
    ...(ids.includes('gowinproc')
      ? others.map((id) => `gowinproc / ${results.managers[id].label.split(' ')[0]}`)
      : []),
    'target',
  ];
  const rows = rowsSpec.map((spec) => {
    const figures = Object.fromEntries(
      ids.map((id) => [id, figure(results, id, spec.entry(id), spec.pick)]),
    );
    const cells = ids.map((id) => figures[id].text ?? spec.format(figures[id].value));
    const ratios = ids.includes('gowinproc')
      ? others.map((id) => times(ratio(figures.gowinproc.value, figures[id].value)))
      : [];
    const target = spec.target ? spec.target(figures) : '';
    return [spec.label, ...cells, ...ratios, target];
  });
  return markdownTable(header, rows);
}

function notes(results) {
  const lines = [];
  for (const id of ORDER) {
    const m = results.managers[id];
    if (m?.unavailable) lines.push(`- ${m.label}: unavailable, not measured: ${m.unavailable}`);
  }
  for (const [scenario, byManager] of Object.entries({
    S1: results.s1,
    S2: results.s2,
    S4: results.s4,
  })) {
    for (const [id, entry] of Object.entries(byManager ?? {})) {
      const errors = [];
      if (entry?.error) errors.push(entry.error);
      for (const [key, sub] of Object.entries(entry ?? {}))
        if (sub?.error)
          errors.push(scenario === 'S2' ? `with ${key} children: ${sub.error}` : sub.error);
      for (const e of entry?.errors ?? []) errors.push(e);
      for (const e of new Set(errors))
        lines.push(`- ${scenario} ${results.managers[id].label}: error: ${e}`);
    }
  }
  return lines;
}

export function renderReport(results) {
  const { options } = results.meta;
  const out = [
    `# gowinproc vs PM2 vs supervisord${options.quick ? ' (QUICK TRIAL: small sizes, not the real figures)' : ''}`,
    '',
  ];
  out.push(
    `${results.meta.startedAt}, node ${results.meta.node}, ${results.meta.cpus} CPU(s), load average at start ${results.meta.loadavg.join(' ')}`,
    '',
  );

  if (results.s1) {
    const entry = (id) => results.s1[id];
    out.push(`## S1 restart after a crash (${options.crashes} crashes of a 1.5 s TCP crasher)`, '');
    out.push(
      scenarioTable(results, [
        {
          label: 'exec gap, median',
          entry,
          pick: (e) => e.execGap.median,
          format: ms,
          target: (f) => `<= PM2: ${verdict(f.gowinproc?.value, f.pm2?.value)}`,
        },
        { label: 'exec gap, p95', entry, pick: (e) => e.execGap.p95, format: ms },
        { label: 'crash -> accepting, median', entry, pick: (e) => e.acceptGap.median, format: ms },
        { label: 'crash -> accepting, p95', entry, pick: (e) => e.acceptGap.p95, format: ms },
      ]),
      '',
    );
  }

  if (results.s2) {
    out.push(
      `## S2 manager RSS (VmRSS of the daemon itself, ${options.settle} s after all children run)`,
      '',
    );
    out.push(
      scenarioTable(
        results,
        options.sizes.map((size) => ({
          label: `${size} child${size === 1 ? '' : 'ren'}`,
          entry: (id) => results.s2[id]?.[size],
          pick: (e) => e.rssKiB,
          format: mib,
          target: (f) => `<= 0.9 x PM2: ${verdict(f.gowinproc?.value, 0.9 * f.pm2?.value)}`,
        })),
      ),
      '',
    );
  }

  if (results.s4) {
    const n = options.instances;
    const entry = (id) => results.s4[id];
    const pick = (key) => (e) => e[key]?.median;
    out.push(
      `## S4 start and stop ${n} TCP listeners (median of ${options.repeats} repeat${options.repeats === 1 ? '' : 's'})`,
      '',
    );
    out.push(
      scenarioTable(results, [
        {
          label: `cold start -> all ${n} accept`,
          entry,
          pick: pick('coldStart'),
          format: ms,
          target: (f) => `gowinproc <= 2 s: ${verdict(f.gowinproc?.value, 2000)}`,
        },
        { label: 'stop all -> no fixture left', entry, pick: pick('stopAll'), format: ms },
        { label: `start again -> all ${n} accept`, entry, pick: pick('warmStart'), format: ms },
        { label: 'daemon shutdown -> no fixture left', entry, pick: pick('shutdown'), format: ms },
      ]),
      '',
    );
  }

  const noteLines = notes(results);
  if (noteLines.length > 0) out.push('Notes:', ...noteLines, '');
  return out.join('\n');
}
