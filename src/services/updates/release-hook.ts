/**
 * The prestart hook that runs the installed release: when a process has a current version in the
 * version store, its new instances start that version's executable (with GOWINPROC_VERSION set to
 * its tag) instead of `binary_path`; without one, `binary_path` runs as configured.
 */
import type { LifecycleHook } from '../../core/index.js';
import type { VersionStore } from './versions/index.js';

export function releaseHook(store: Pick<VersionStore, 'get'>): LifecycleHook {
  return {
    name: 'release',
    prestart(ctx) {
      const current = store.get(ctx.process.name).current;
      if (current === undefined) return;
      ctx.command = current.executable;
      ctx.version = current.version;
    },
  };
}
