/**
 * The final markdown report: one table per scenario with each manager's figure, gowinproc's
 * ratio to each other manager (below 1 = gowinproc is faster / smaller) and the target.
 */
import { bytes, markdownTable, mib, ms, percent, times } from './table.mjs';
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
  const perSize = { S2: 'children', S3: 'instances' };
  for (const [scenario, byManager] of Object.entries({
    S1: results.s1,
    S2: results.s2,
    S3: results.s3,
    S4: results.s4,
  })) {
    for (const [id, entry] of Object.entries(byManager ?? {})) {
      const errors = [];
      if (entry?.error) errors.push(entry.error);
      for (const [key, sub] of Object.entries(entry ?? {})) {
        if (sub?.error)
          errors.push(
            perSize[scenario] ? `with ${key} ${perSize[scenario]}: ${sub.error}` : sub.error,
          );
        for (const note of (scenario === 'S3' && sub?.notes) || [])
          lines.push(`- S3 ${results.managers[id].label} with ${key} instances: ${note}`);
      }
      for (const e of entry?.errors ?? []) errors.push(e);
      for (const e of new Set(errors))
        lines.push(`- ${scenario} ${results.managers[id].label}: error: ${e}`);
    }
  }
  return lines;
}

/** S3: one row per size, the two managers' CPU and RSS side by side, gowinproc's tick and db. */
function s3Section(results) {
  const { options } = results.meta;
  const label = (id) => results.managers[id]?.label ?? id;
  const pick = (id, size, fn) => {
    const entry = results.s3[id]?.[size];
    if (results.managers[id]?.unavailable) return { text: 'unavailable', value: null };
    if (!entry) return { text: 'not run', value: null };
    if (entry.error) return { text: 'error', value: null };
    return { text: null, value: fn(entry) };
  };
  const cell = (f, format) => f.text ?? format(f.value);
  const header = [
    'instances',
    `${label('gowinproc')} CPU`,
    `${label('pm2')} CPU`,
    'gowinproc / PM2',
    `${label('gowinproc')} RSS`,
    `${label('pm2')} RSS`,
    'tick median / max',
    'metrics.db + WAL',
  ];
  const rows = options.s3Sizes.map((size) => {
    const cpu = pick('gowinproc', size, (e) => e.cpuPercent);
    const pm2Cpu = pick('pm2', size, (e) => e.cpuPercent);
    const rss = pick('gowinproc', size, (e) => e.rssKiB);
    const pm2Rss = pick('pm2', size, (e) => e.rssKiB);
    const tick = pick('gowinproc', size, (e) => e.tick);
    const db = pick('gowinproc', size, (e) => e.db?.totalBytes ?? null);
    return [
      `N = ${size}`,
      cell(cpu, percent),
      cell(pm2Cpu, percent),
      times(ratio(cpu.value, pm2Cpu.value)),
      cell(rss, mib),
      cell(pm2Rss, mib),
      tick.text ??
        (tick.value ? `${ms1(tick.value.median)} / ${ms1(tick.value.max)}` : 'unavailable'),
      cell(db, bytes),
    ];
  });
  const loads = [];
  for (const size of options.s3Sizes)
    for (const id of ['gowinproc', 'pm2']) {
      const load = results.s3[id]?.[size]?.loadavg1;
      if (load)
        loads.push(
          `${label(id)} N = ${size}: ${load.before.toFixed(2)} -> ${load.after.toFixed(2)}`,
        );
    }
  const at200 = pick('gowinproc', 200, (e) => e.cpuPercent);
  const target = options.s3Sizes.includes(200)
    ? `${verdict(at200.value, 1)} (${at200.text ?? percent(at200.value)})`
    : 'n/a (200 instances not measured)';
  return [
    `## S3 cost of metrics (idle sleepers, 1 Hz sampling, ${options.s3Duration} s window after 15 s settle)`,
    '',
    markdownTable(header, rows),
    '',
    `Target: gowinproc <= 1 % of a core at 200 instances: ${target}`,
    '',
    'CPU: utime + stime of the daemon process alone (all its threads) over the window, as % of one core. ' +
      'gowinproc: metrics.interval 1s, store sqlite, GET /metrics every 15 s by the bench (not counted). ' +
      "PM2: a separate poller process calls pm2.list() every 1 s (the God Daemon samples every process with pidusage); the poller's own CPU is not counted. " +
      'RSS: median of VmRSS every 5 s in the window. Tick: gowinproc_metrics_tick_seconds from each scrape in the window.',
    '',
    `Load average (1 min) at each window's start -> end: ${loads.join('; ') || 'n/a'}`,
  ];
}

const ms1 = (value) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');

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

  if (results.s3) out.push(...s3Section(results), '');

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
