import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { FakeClock } from '../../../shared/index.js';
import { planPrune } from './prune-plan.js';
import type { StoredProcessVersions, VersionRecord } from './version-file.js';
import { VersionStore } from './version-store.js';

function record(version: string, installedAt: number, removedAt?: number): VersionRecord {
  return {
    version,
    dir: `/b/api/${version}`,
    executable: `/b/api/${version}/api`,
    installedAt,
    asset: 'a',
    sha256: 'b',
    verified: true,
    ...(removedAt === undefined ? {} : { removedAt }),
  };
}

/** A process's history (distinct versions, some removed) with current/previous among the installed. */
const entryArb = fc
  .array(fc.record({ installedAt: fc.integer({ min: 0, max: 1000 }), removed: fc.boolean() }), {
    maxLength: 12,
  })
  .chain((items) => {
    const history = items
      .map((item, i) => record(`v${i}`, item.installedAt, item.removed ? 1 : undefined))
      .sort((a, b) => b.installedAt - a.installedAt);
    const installed = history.filter((r) => r.removedAt === undefined).map((r) => r.version);
    const pick =
      installed.length === 0
        ? fc.constant(undefined)
        : fc.option(fc.constantFrom(...installed), { nil: undefined });
    return fc.tuple(fc.constant(history), pick, pick);
  })
  .filter(([, current, previous]) => current === undefined || current !== previous)
  .map(([history, current, previous]): StoredProcessVersions => ({
    history,
    ...(current === undefined ? {} : { current }),
    ...(previous === undefined || current === undefined ? {} : { previous }),
  }));

describe('planPrune', () => {
  it('never removes current or previous', () => {
    fc.assert(
      fc.property(entryArb, fc.nat(6), (entry, keep) => {
        const doomed = planPrune(entry, keep).map((r) => r.version);
        expect(doomed).not.toContain(entry.current);
        expect(doomed).not.toContain(entry.previous);
      }),
    );
  });

  it('keeps the keep newest installs and removes every other unprotected install', () => {
    fc.assert(
      fc.property(entryArb, fc.nat(6), (entry, keep) => {
        const doomed = new Set(planPrune(entry, keep).map((r) => r.version));
        const installed = entry.history
          .filter((r) => r.removedAt === undefined)
          .sort((a, b) => b.installedAt - a.installedAt);
        installed.forEach((r, rank) => {
          const isProtected =
            rank < keep || r.version === entry.current || r.version === entry.previous;
          expect(doomed.has(r.version)).toBe(!isProtected);
        });
        const removedBefore = entry.history.filter((r) => r.removedAt !== undefined);
        for (const r of removedBefore) expect(doomed.has(r.version)).toBe(false);
      }),
    );
  });

  it('examples: current/previous on top of keep, whatever their age', () => {
    const history = [
      record('v5', 5),
      record('v4', 4),
      record('v3', 3),
      record('v2', 2),
      record('v1', 1, 9),
    ];
    const names = (entry: StoredProcessVersions, keep: number) =>
      planPrune(entry, keep).map((r) => r.version);
    expect(names({ history, current: 'v2', previous: 'v3' }, 1)).toEqual(['v4']);
    expect(names({ history, current: 'v5', previous: 'v4' }, 3)).toEqual(['v2']);
    expect(names({ history }, 0)).toEqual(['v5', 'v4', 'v3', 'v2']);
    expect(names({ history }, 10)).toEqual([]);
  });

  it('the store deletes exactly the planned directories on disk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.nat(4),
        fc.nat(5),
        fc.nat(5),
        async (count, keep, currentAt, previousAt) => {
          const dir = tempDir();
          const binariesDir = join(dir, 'binaries');
          const store = new VersionStore({
            file: join(dir, 'versions.json'),
            binariesDir,
            clock: new FakeClock(),
          });
          await store.load();
          const versions = Array.from({ length: count }, (_, i) => `v${i}`);
          for (const [i, version] of versions.entries()) {
            const versionDir = join(binariesDir, 'api', version);
            mkdirSync(versionDir, { recursive: true });
            writeFileSync(join(versionDir, 'api'), 'x');
            const installed = {
              ...record(version, i),
              dir: versionDir,
              executable: join(versionDir, 'api'),
            };
            await store.recordInstalled('api', installed);
          }
          const previous = versions[previousAt % count]!;
          const current = versions[currentAt % count]!;
          await store.activate('api', previous);
          await store.activate('api', current);
          const removed = await store.prune('api', keep);

          const newest = [...versions].reverse();
          const kept = new Set([
            ...newest.slice(0, keep),
            current,
            ...(current === previous ? [] : [previous]),
          ]);
          for (const version of versions) {
            const present = existsSync(join(binariesDir, 'api', version));
            expect(present).toBe(kept.has(version));
            expect(removed.includes(join(binariesDir, 'api', version))).toBe(!kept.has(version));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
