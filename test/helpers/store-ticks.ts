/**
 * Ticks for the metrics store's tests, written at a chosen moment: instances are named by process
 * and index (the store's series key); every other figure comes from ./metric-samples.ts. Also a
 * reader of the rows the store wrote.
 */
import Database from 'better-sqlite3';
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

/**
 * The rows a query returns, read from the store's file over a second, read-only connection (the
 * store's own keeps running): for asserting what the store wrote, tier by tier.
 */
export function storedRows(file: string, sql: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
