/** The words of a scale decision's reason: one sentence an operator can read without the code. */
import { formatDuration } from '../../shared/index.js';
import type { ScalePolicy, SignalReading } from './types.js';

/** "cpu 163% of one core per instance against a target of 80%". */
export function describeReading(
  reading: SignalReading,
  notReady: number,
  notReadyAsIdle: boolean,
): string {
  const { observed, target } = reading;
  let text: string;
  switch (reading.signal) {
    case 'cpu':
      text = `cpu ${formatNumber(observed)}% of one core per instance against a target of ${formatNumber(target)}%`;
      break;
    case 'memory':
      text = `memory ${formatBytes(observed)} per instance against a target of ${formatBytes(target)}`;
      break;
    case 'rps':
      text = `${formatNumber(observed)} requests/s per instance against a target of ${formatNumber(target)}`;
      break;
    case 'in_flight':
      text = `${formatNumber(observed)} calls in flight per instance against a target of ${formatNumber(target)}`;
      break;
  }
  if (notReadyAsIdle && notReady > 0) {
    text += ` (${notReady === 1 ? '1 instance' : `${notReady} instances`} not ready yet counted as idle)`;
  }
  return text;
}

const SIGNAL_NAMES: ReadonlyArray<[keyof ScalePolicy['targets'], string]> = [
  ['cpuPercent', 'cpu'],
  ['memoryBytes', 'memory'],
  ['rpsPerInstance', 'rps'],
  ['inFlightPerInstance', 'in_flight'],
];

/** Why there is nothing to decide on. */
export function describeSignalNames(policy: ScalePolicy): string {
  const names = SIGNAL_NAMES.filter(([key]) => policy.targets[key] !== undefined).map(
    ([, name]) => name,
  );
  return names.length === 0
    ? 'no scaling signal is configured (cpu_threshold is 0 and no other threshold is set)'
    : `no value is known yet for ${names.join(', ')}`;
}

/** "1 instance", "3 instances". */
export function instances(count: number): string {
  return count === 1 ? '1 instance' : `${count} instances`;
}

/** Elapsed times to the second from 1s up ("15s", "1m30s"); below that, in ms. */
export function formatElapsed(ms: number): string {
  if (ms <= 0) return '0s';
  return formatDuration(ms < 1000 ? Math.round(ms) : Math.round(ms / 1000) * 1000);
}

function formatNumber(value: number): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) return `${formatNumber(bytes / size)}${unit}`;
  }
  return `${Math.round(bytes)}B`;
}
