import { DaemonError, type CancelTimer, type Clock } from '../../shared/index.js';
import type { Lifecycle } from './lifecycle.js';
import type { InstanceState } from './states.js';

const NOT_COMING = ['backoff', 'failed', 'stopping', 'stopped'];

/** Resolves when the instance becomes healthy; rejects when it exits or stops first, or on timeout. */
export function waitUntilReady(
  lifecycle: Lifecycle,
  clock: Clock,
  name: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let cancelTimer: CancelTimer = () => undefined;
    let unwatch: () => void = () => undefined;
    const settle = (state: InstanceState): boolean => {
      if (state.status === 'healthy') {
        resolve();
      } else if (NOT_COMING.includes(state.status)) {
        const why = 'reason' in state ? `: ${state.reason}` : '';
        reject(
          new DaemonError(
            'not_ready',
            `instance ${name} became ${state.status} before it was ready${why}`,
          ),
        );
      } else {
        return false;
      }
      cancelTimer();
      unwatch();
      return true;
    };
    if (settle(lifecycle.state())) return;
    unwatch = lifecycle.watch(settle);
    cancelTimer = clock.setTimeout(() => {
      unwatch();
      reject(
        new DaemonError('not_ready', `instance ${name} was not healthy within ${timeoutMs}ms`),
      );
    }, timeoutMs);
  });
}
