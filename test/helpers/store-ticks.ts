/**
 * Ticks for the metrics store's tests, written at a chosen moment: instances are named by process
 * and index (the store's series key); every other figure comes from ./metric-samples.ts.
 */
import type { InstanceSample, MetricsTick } from '../../src/services/metrics/index.js';
import { instanceSample, metricsTick, type TickOptions } from './metric-samples.js';

export type InstanceValues = Partial<InstanceSample> & Pick<InstanceSample, 'process' | 'index'>;

export interface TickValues extends Omit<TickOptions, 'at'> {
  instances?: InstanceValues[];
}

/** A tick at `at` whose instance, host and daemon samples are all stamped `at`. */
export function tickAt(at: number, { instances = [], ...options }: TickValues = {}): MetricsTick {
  const samples = instances.map((values) =>
    instanceSample({ instance: `${values.process}-${values.index}`, at, ...values }),
  );
  return metricsTick(samples, { ...options, at });
}

/** `count` instances of one process, all with the same values. */
export function instancesOf(
  process: string,
  count: number,
  values: Partial<InstanceSample> = {},
): InstanceValues[] {
  return Array.from({ length: count }, (_, index) => ({ ...values, process, index }));
}
