/**
 * One login at a time per worker and client id, across every client object in the process: a
 * second /challenge for a client id invalidates the first (spec cloudflare.md §1), so the secrets
 * service and the tunnel must never interleave their challenge/verify pairs.
 */
const tails = new Map<string, Promise<void>>();

export async function withLoginLock<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
