/**
 * `gowinproc config print`: the normalised config as YAML, every default filled in, durations and
 * sizes written back as strings, secrets masked.
 */
import { stringify } from 'yaml';
import { formatDuration, formatSize } from '../shared/index.js';
import type { KeyPath } from './issues.js';
import { isSecretPath, MASK } from './secret-paths.js';
import type { Config } from './types.js';

const DURATION_KEYS = new Set([
  'server.read_timeout',
  'server.write_timeout',
  'secrets.cloudflare.retry_backoff',
  'secrets.cloudflare.cache_ttl',
  'github.update_mode.polling.interval',
  'metrics.interval',
  'metrics.retention',
  'processes.#.restart.backoff.initial',
  'processes.#.restart.backoff.max',
  'processes.#.restart.window',
  'processes.#.restart.reset_after',
  'processes.#.stop.timeout',
  'processes.#.health_check.interval',
  'processes.#.health_check.timeout',
  'processes.#.health_check.start_period',
  'processes.#.github.update_check_interval',
  'processes.#.github.min_healthy_time',
  'processes.#.scaling.sustain',
  'processes.#.scaling.cooldown',
  'processes.#.scaling.scale_up_stabilization',
  'processes.#.scaling.scale_down_stabilization',
  'load_balancers.#.drain_timeout',
]);

const SIZE_KEYS = new Set([
  'logs.max_size',
  'metrics.max_size',
  'processes.#.logs.max_size',
  'processes.#.restart.max_memory',
  'processes.#.scaling.memory_threshold',
]);

export function printConfig(config: Config): string {
  const { source: _source, ...rest } = declaredForm(config);
  // No block scalars: yaml writes " \n" as a `|+` block that reads back without its spaces.
  return stringify(escapeReferences(present(rest, [])), { lineWidth: 0, blockQuote: false });
}

/** The config as plain data for display: secrets masked, durations and sizes as strings. */
export function presentConfig(config: Config): Record<string, unknown> {
  const { source: _source, ...rest } = declaredForm(config);
  return present(rest, []) as Record<string, unknown>;
}

/**
 * `secrets.required` is derived from whether `source: local` was written; print it back as the
 * file would say it, so that printing and parsing again gives the same config.
 */
function declaredForm(config: Config): Omit<Config, 'processes'> & { processes: unknown[] } {
  const implied = config.secrets.mode === 'cloudflare' ? 'cloudflare' : 'local';
  return {
    ...config,
    processes: config.processes.map((proc) => {
      const { required, source, ...secrets } = proc.secrets;
      const declared = required || source !== implied;
      return { ...proc, secrets: { ...secrets, ...(declared ? { source } : {}) } };
    }),
  };
}

function present(value: unknown, path: KeyPath): unknown {
  if (isSecretPath(path) && value !== undefined) return MASK;
  const pattern = path.map((p) => (typeof p === 'number' ? '#' : p)).join('.');
  if (typeof value === 'number') {
    if (DURATION_KEYS.has(pattern)) return formatDuration(value);
    if (SIZE_KEYS.has(pattern)) return formatSize(value);
    return value;
  }
  if (pattern.endsWith('port_range') && typeof value === 'object' && value !== null) {
    const range = value as { start: number; end: number };
    return `${range.start}-${range.end}`;
  }
  if (Array.isArray(value)) return value.map((item, i) => present(item, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = present(item, [...path, key]);
    }
    return out;
  }
  return value;
}

/** A literal `${` in a value is written `$${`, so that reading the printed file gives it back. */
function escapeReferences(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('${', () => '$${');
  if (Array.isArray(value)) return value.map(escapeReferences);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeReferences(v)]));
  }
  return value;
}
