/** Command-line options of the bench; --quick sets small sizes that explicit options override. */
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench -- [options]
  --quick               small trial: 5 crashes, 10 s settle, sizes 1,10,20, 20 instances, 1 repeat,
                        S3 20 instances for 20 s
  --crashes N           S1 crashes per manager (default 50)
  --settle S            S2 seconds to settle before reading RSS (default 60)
  --sizes A,B,C         S2 child counts (default 1,50,200)
  --instances N         S4 instances (default 100)
  --repeats N           S4 repeats per manager (default 3)
  --s3-sizes A,B        S3 instance counts (default 50,200)
  --s3-duration S       S3 measurement window in seconds (default 120)
  --only LIST           scenarios to run: s1,s2,s3,s4 (default all)
  --managers LIST       gowinproc,pm2,supervisord (default all)
  --pm2-prefix DIR      reuse an npm prefix that already holds pm2 (default: install into the run's temp dir)
  --keep                keep the run's temp directory (configs, logs) for inspection
  --out FILE            results JSON (default bench/results/bench-<time>.json)
  -h, --help            this text`;

const DEFAULTS = {
  crashes: 50,
  settle: 60,
  sizes: [1, 50, 200],
  instances: 100,
  repeats: 3,
  s3Sizes: [50, 200],
  s3Duration: 120,
};
const QUICK = {
  crashes: 5,
  settle: 10,
  sizes: [1, 10, 20],
  instances: 20,
  repeats: 1,
  s3Sizes: [20],
  s3Duration: 20,
};
const SCENARIOS = ['s1', 's2', 's3', 's4'];

const list = (value) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function positiveInt(name, value, min = 1) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be a whole number >= ${min}, got ${value}`);
  return n;
}

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      crashes: { type: 'string' },
      settle: { type: 'string' },
      sizes: { type: 'string' },
      instances: { type: 'string' },
      repeats: { type: 'string' },
      's3-sizes': { type: 'string' },
      's3-duration': { type: 'string' },
      only: { type: 'string' },
      managers: { type: 'string' },
      'pm2-prefix': { type: 'string' },
      keep: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const base = values.quick ? QUICK : DEFAULTS;
  const options = {
    help: values.help,
    quick: values.quick,
    crashes: values.crashes ? positiveInt('crashes', values.crashes) : base.crashes,
    settle: values.settle ? positiveInt('settle', values.settle, 0) : base.settle,
    sizes: values.sizes ? list(values.sizes).map((s) => positiveInt('sizes', s)) : base.sizes,
    instances: values.instances ? positiveInt('instances', values.instances) : base.instances,
    repeats: values.repeats ? positiveInt('repeats', values.repeats) : base.repeats,
    s3Sizes: values['s3-sizes']
      ? list(values['s3-sizes']).map((s) => positiveInt('s3-sizes', s))
      : base.s3Sizes,
    s3Duration: values['s3-duration']
      ? positiveInt('s3-duration', values['s3-duration'], 5)
      : base.s3Duration,
    only: values.only ? list(values.only).map((s) => s.toLowerCase()) : [...SCENARIOS],
    managers: values.managers
      ? list(values.managers).map((s) => s.toLowerCase())
      : ['gowinproc', 'pm2', 'supervisord'],
    pm2Prefix: values['pm2-prefix'],
    keep: values.keep,
    out: values.out,
  };
  for (const s of options.only)
    if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (${SCENARIOS.join(', ')})`);
  for (const m of options.managers)
    if (!['gowinproc', 'pm2', 'supervisord'].includes(m))
      throw new Error(`unknown manager ${m} (gowinproc, pm2, supervisord)`);
  return options;
}
