/** Command-line options of the bench; --quick sets small sizes that explicit options override. */
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench -- [options]
  --quick               small trial: 5 crashes, 10 s settle, sizes 1,10,20, 20 instances, 1 repeat,
                        S3 20 instances for 20 s, S5 200 calls/s for 20 s with the update at 5 s,
                        S6 3 s windows after 1 s warm-up
  --crashes N           S1 crashes per manager (default 50)
  --settle S            S2 seconds to settle before reading RSS (default 60)
  --sizes A,B,C         S2 child counts (default 1,50,200)
  --instances N         S4 instances (default 100)
  --repeats N           S4 repeats per manager (default 3)
  --s3-sizes A,B        S3 instance counts (default 50,200)
  --s3-duration S       S3 measurement window in seconds (default 120)
  --s5-duration S       S5 open-loop window in seconds (default 60)
  --s5-rate N           S5 calls per second (default 500)
  --s5-at S             S5 second of the window at which the update starts (default 20)
  --s6-duration S       S6 measured seconds per target and concurrency (default 10)
  --s6-warmup S         S6 seconds of load before each window (default 2)
  --s6-concurrency LIST S6 closed-loop concurrencies (default 1,32,128)
  --s6-workers N        S6 client threads (default 1)
  --nginx-workers N     S6 nginx worker_processes: a number or auto (default 1)
  --only LIST           scenarios to run: s1,s2,s3,s4,s5,s6,s7 (default all)
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
  s5Duration: 60,
  s5Rate: 500,
  s5At: 20,
  s6Duration: 10,
  s6Warmup: 2,
};
const QUICK = {
  crashes: 5,
  settle: 10,
  sizes: [1, 10, 20],
  instances: 20,
  repeats: 1,
  s3Sizes: [20],
  s3Duration: 20,
  s5Duration: 20,
  s5Rate: 200,
  s5At: 5,
  s6Duration: 3,
  s6Warmup: 1,
};
const SCENARIOS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7'];

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
      's5-duration': { type: 'string' },
      's5-rate': { type: 'string' },
      's5-at': { type: 'string' },
      's6-duration': { type: 'string' },
      's6-warmup': { type: 'string' },
      's6-concurrency': { type: 'string' },
      's6-workers': { type: 'string' },
      'nginx-workers': { type: 'string' },
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
    s5Duration: values['s5-duration']
      ? positiveInt('s5-duration', values['s5-duration'], 2)
      : base.s5Duration,
    s5Rate: values['s5-rate'] ? positiveInt('s5-rate', values['s5-rate']) : base.s5Rate,
    s5At: values['s5-at'] ? positiveInt('s5-at', values['s5-at'], 0) : base.s5At,
    s6Duration: values['s6-duration']
      ? positiveInt('s6-duration', values['s6-duration'])
      : base.s6Duration,
    s6Warmup: values['s6-warmup']
      ? positiveInt('s6-warmup', values['s6-warmup'], 0)
      : base.s6Warmup,
    s6Concurrency: values['s6-concurrency']
      ? list(values['s6-concurrency']).map((s) => positiveInt('s6-concurrency', s))
      : [1, 32, 128],
    s6Workers: values['s6-workers'] ? positiveInt('s6-workers', values['s6-workers']) : 1,
    nginxWorkers:
      values['nginx-workers'] === 'auto'
        ? 'auto'
        : values['nginx-workers']
          ? positiveInt('nginx-workers', values['nginx-workers'])
          : 1,
    only: values.only ? list(values.only).map((s) => s.toLowerCase()) : [...SCENARIOS],
    managers: values.managers
      ? list(values.managers).map((s) => s.toLowerCase())
      : ['gowinproc', 'pm2', 'supervisord'],
    pm2Prefix: values['pm2-prefix'],
    keep: values.keep,
    out: values.out,
  };
  if (options.s5At >= options.s5Duration)
    throw new Error(
      `--s5-at (${options.s5At}) must fall inside --s5-duration (${options.s5Duration})`,
    );
  for (const s of options.only)
    if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (${SCENARIOS.join(', ')})`);
  for (const m of options.managers)
    if (!['gowinproc', 'pm2', 'supervisord'].includes(m))
      throw new Error(`unknown manager ${m} (gowinproc, pm2, supervisord)`);
  return options;
}
