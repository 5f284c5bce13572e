import { Gauge, type Registry } from 'prom-client';
import type { ScrapeSnapshot } from './scrape-snapshot.js';

export interface ScalarGaugeSpec {
  name: string;
  help: string;
  /** The value at this scrape; null (unknown, or no tick yet) leaves the family without a series. */
  read: (snapshot: ScrapeSnapshot) => number | null;
}

/** An unlabelled gauge set at scrape time; no series rather than 0 when the value is unknown. */
export function registerScalarGauges(
  registry: Registry,
  current: () => ScrapeSnapshot,
  specs: readonly ScalarGaugeSpec[],
): void {
  for (const spec of specs) {
    new Gauge({
      name: spec.name,
      help: spec.help,
      registers: [registry],
      collect() {
        const value = spec.read(current());
        // remove() with no labels drops the unlabelled series that reset() would set to 0.
        if (value === null) this.remove();
        else this.set(value);
      },
    });
  }
}
