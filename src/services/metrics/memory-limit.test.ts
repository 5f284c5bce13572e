import { describe, expect, it } from 'vitest';
import { instanceSample } from '../../../test/helpers/metric-samples.js';
import { findMemoryLimitBreaches } from './memory-limit.js';

describe('findMemoryLimitBreaches', () => {
  const limits: Record<string, number | undefined> = { web: 100, worker: undefined, zero: 0 };
  const limitOf = (sample: { process: string }) => limits[sample.process];

  it('names the instances strictly over their process limit, with the limit', () => {
    const over = instanceSample({ process: 'web', instance: 'web-1', rssBytes: 101 });
    const breaches = findMemoryLimitBreaches(
      [
        instanceSample({ process: 'web', instance: 'web-0', rssBytes: 100 }),
        over,
        instanceSample({ process: 'worker', rssBytes: 10 ** 12 }),
        instanceSample({ process: 'zero', rssBytes: 10 ** 12 }),
        instanceSample({ process: 'gone', rssBytes: 10 ** 12 }),
      ],
      limitOf,
    );
    expect(breaches).toEqual([{ sample: over, limitBytes: 100 }]);
  });
});
