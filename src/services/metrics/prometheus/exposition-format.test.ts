import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPrometheusExporter } from './index.js';
import {
  fakeInstance,
  fakeSample,
  fakeSource,
} from '../../../../test/helpers/fake-prometheus-source.js';
import { metricsTick } from '../../../../test/helpers/metric-samples.js';
import { INSTANCE_STATES } from './instance-metrics.js';

interface CheckedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// prom-client spells NaN `Nan` (its nodejs_eventloop_lag_* families before the first delay
// sample); Prometheus parses values with Go's strconv.ParseFloat, which ignores the case of NaN.
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN|Nan)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A strict reading of the text exposition format 0.0.4: every line is a HELP, a TYPE, blank, or
 * `name{label="value",...} value`; a family's HELP and TYPE come once, before its samples, and
 * its samples are together (a histogram's as name_bucket/_sum/_count); HELP escapes only `\\` and
 * `\n`, label values only those and `\"`; no series twice. Throws at the first offending line.
 */
function checkTextFormat(text: string): CheckedSample[] {
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline');
  const samples: CheckedSample[] = [];
  const described = new Set<string>();
  const seen = new Set<string>();
  let family = { name: '', type: '', helped: false };
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, at) => {
      const fail = (why: string): never => {
        throw new Error(`line ${at + 1} ${JSON.stringify(line)}: ${why}`);
      };
      if (line === '') return;
      if (line.startsWith('#')) {
        const [hash, keyword, name = '', ...rest] = line.split(' ');
        if (hash !== '#' || !METRIC_NAME.test(name)) fail('bad comment');
        if (keyword === 'HELP') {
          if (described.has(name)) fail('a family described twice');
          const unescaped = rest.join(' ').replace(/\\[\\n]/g, '');
          if (unescaped.includes('\\')) fail('HELP escapes something but \\ or \\n');
          family = { name, type: '', helped: true };
        } else if (keyword === 'TYPE') {
          if (name !== family.name || !family.helped || family.type !== '') {
            fail('TYPE not right after its HELP');
          }
          if (rest.length !== 1 || !TYPES.has(rest[0] ?? '')) fail('bad TYPE');
          family.type = rest[0] ?? '';
          described.add(name);
        } else fail('a comment that is neither HELP nor TYPE');
        return;
      }
      const sample = parseSampleLine(line, fail);
      if (!belongsTo(sample.name, family)) fail('a sample outside its family (no HELP and TYPE)');
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      if (seen.has(key)) fail('the same series twice');
      seen.add(key);
      samples.push(sample);
    });
  return samples;
}

function belongsTo(sample: string, family: { name: string; type: string }): boolean {
  if (family.type === '') return false;
  if (sample === family.name) return family.type !== 'histogram';
  const suffix = sample.startsWith(family.name) ? sample.slice(family.name.length) : '';
  if (family.type === 'histogram') return ['_bucket', '_sum', '_count'].includes(suffix);
  if (family.type === 'summary') return ['_sum', '_count'].includes(suffix);
  return false;
}

function parseSampleLine(line: string, fail: (why: string) => never): CheckedSample {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd <= 0) fail('no metric name');
  const name = line.slice(0, nameEnd);
  if (!METRIC_NAME.test(name)) fail('bad metric name');
  const labels: Record<string, string> = {};
  let at = nameEnd;
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const equals = line.indexOf('="', at);
      if (equals < 0) fail('label without ="');
      const labelName = line.slice(at, equals);
      if (!LABEL_NAME.test(labelName)) fail(`bad label name ${labelName}`);
      if (labelName in labels) fail(`label ${labelName} twice`);
      at = equals + 2;
      let value = '';
      for (;;) {
        const char = line[at];
        if (char === undefined) fail('unterminated label value');
        if (char === '"') break;
        if (char === '\\') {
          const next = line[at + 1];
          if (next === '\\' || next === '"') value += next;
          else if (next === 'n') value += '\n';
          else fail(`bad escape \\${next ?? ''}`);
          at += 2;
        } else {
          value += char;
          at++;
        }
      }
      labels[labelName] = value;
      at++;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') fail('expected , or } after a label');
    }
    at++;
  }
  const rest = line.slice(at);
  const match = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (match === null || !FLOAT.test(match[1] ?? '')) fail(`bad value part ${JSON.stringify(rest)}`);
  return { name, labels, value: Number(match?.[1]) };
}

function manyInstances(count: number) {
  const list = Array.from({ length: count }, (_, i) =>
    fakeInstance(`svc${i % 20}`, Math.floor(i / 20), { restarts: i % 3 }),
  );
  return fakeSource(list, metricsTick(list.map((instance) => fakeSample(instance))));
}

describe('the /metrics text', () => {
  it('passes a strict line check, escaping label values', async () => {
    const odd = fakeInstance('we"ird\\name\nx', 0);
    const source = fakeSource(
      [odd, fakeInstance('api', 1)],
      metricsTick([fakeSample(odd)]),
      'C:\\ProgramData\\gowinproc "data"',
    );
    const exporter = createPrometheusExporter(source);
    // A family another part adds later, with the suffixed sample names of a histogram.
    const picks = new Histogram({
      name: 'gowinproc_test_pick_seconds',
      help: 'Test histogram, seconds.',
      labelNames: ['balancer'],
      buckets: [0.1, 1],
      registers: [exporter.registry],
    });
    picks.observe({ balancer: 'b"1' }, 0.5);
    const text = await exporter.render();
    const samples = checkTextFormat(text);

    for (const sample of samples.filter((s) => s.name.startsWith('gowinproc_'))) {
      expect(Number.isFinite(sample.value), sample.name).toBe(true);
    }
    expect(samples.find((s) => s.name === 'gowinproc_host_disk_free_bytes')?.labels['path']).toBe(
      'C:\\ProgramData\\gowinproc "data"',
    );
    expect(
      samples.find((s) => s.name === 'gowinproc_instance_memory_rss_bytes')?.labels['process'],
    ).toBe('we"ird\\name\nx');
    // The library parser reads the same text and finds the same number of series.
    const parsed = parsePrometheusTextFormat(text);
    const parsedCount = parsed.reduce(
      (sum, family) =>
        sum +
        (family.type === 'HISTOGRAM'
          ? Object.keys(family.metrics[0]?.buckets ?? {}).length * family.metrics.length +
            2 * family.metrics.length
          : family.type === 'SUMMARY'
            ? family.metrics.length * (2 + Object.keys(family.metrics[0]?.quantiles ?? {}).length)
            : family.metrics.length),
      0,
    );
    expect(parsedCount).toBe(samples.length);
  });

  it('rejects text that breaks the format (the checker can fail)', () => {
    const head = '# HELP a_b x\n# TYPE a_b gauge\n';
    expect(() => checkTextFormat(`${head}a_b{p="x"y"} 1\n`)).toThrow(/expected , or \}/);
    expect(() => checkTextFormat(`${head}a_b{p="x\\q"} 1\n`)).toThrow(/bad escape/);
    expect(() => checkTextFormat(`${head}a_b 1\na_b 2\n`)).toThrow(/twice/);
    expect(() => checkTextFormat(`${head}a_b one\n`)).toThrow(/bad value/);
    expect(() => checkTextFormat('a_b 1\n')).toThrow(/outside its family/);
    expect(() => checkTextFormat(`${head}# HELP c x\n# TYPE c gauge\nc 1\na_b 1\n`)).toThrow(
      /outside its family/,
    );
    expect(() => checkTextFormat('# HELP a_b x\\y\n# TYPE a_b gauge\n')).toThrow(/HELP escapes/);
    expect(() => checkTextFormat('# HELP a_b x\n# TYPE c gauge\n')).toThrow(/TYPE not right/);
    const histogram =
      '# HELP h x\\\\y\\n\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\n' +
      'h_sum 4.5\nh_count 3\n';
    expect(checkTextFormat(histogram)).toHaveLength(4);
    expect(() => checkTextFormat(histogram.replace('h_sum', 'h'))).toThrow(/outside its family/);
    expect(checkTextFormat(`${head}a_b{p="x\\"y\\\\z"} 1.5e3\n`)).toEqual([
      { name: 'a_b', labels: { p: 'x"y\\z' }, value: 1500 },
    ]);
  });

  it('keeps 200 instances to a bounded number of series and renders them quickly', async () => {
    const exporter = createPrometheusExporter(manyInstances(200), { defaultMetrics: false });
    const samples = checkTextFormat(await exporter.render());

    // Per instance: 7 sampled figures, uptime, restarts, up, and one state series per status.
    const perInstance = 10 + INSTANCE_STATES.length;
    const instanceSeries = samples.filter((s) => s.name.startsWith('gowinproc_instance_'));
    expect(instanceSeries).toHaveLength(200 * perInstance);
    expect(samples.length - instanceSeries.length).toBe(13 + 7);
    const labelSets = new Set(
      instanceSeries.map((s) => `${s.labels['process']}/${s.labels['index']}`),
    );
    expect(labelSets.size).toBe(200);

    const renders = 20;
    const started = performance.now();
    for (let i = 0; i < renders; i++) await exporter.render();
    const meanMs = (performance.now() - started) / renders;
    console.info(`render of 200 instances (${samples.length} series): ${meanMs.toFixed(2)} ms`);
    expect(meanMs).toBeLessThan(250);
  });
});
