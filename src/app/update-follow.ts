/**
 * Following one update: its current status first (`watch` calls the listener at once, and throws
 * not_found for an unknown id), then each change, ending after the final status (completed,
 * failed, rolled_back) or when `signal` aborts; either way the watch is unsubscribed. REST sends
 * it as server-sent events, gRPC as WatchUpdate.
 *
 * A reader slower than the statuses gets, within a phase, only the newest status (a download
 * reports progress many times a second): every phase change and the final status still arrive,
 * and the queue stays as short as the update's list of phases, so a stalled reader cannot grow
 * the daemon's memory.
 */
import type { UpdateStatusView } from './update-use-cases.js';

const FINAL = new Set<UpdateStatusView['status']>(['completed', 'failed', 'rolled_back']);

export async function* followUpdate(
  watch: (listener: (status: UpdateStatusView) => void) => () => void,
  signal: AbortSignal,
): AsyncGenerator<UpdateStatusView> {
  const queue: UpdateStatusView[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = watch((status) => {
    const last = queue.at(-1);
    if (last !== undefined && last.status === status.status) queue[queue.length - 1] = status;
    else queue.push(status);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        if (FINAL.has(next.status)) return;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}
