/**
 * Polling instead of sleeping (after Nomad's testutil.WaitForResult): `check` returns true, or a
 * string saying why it is not true yet; on timeout the last reason is the failure message.
 */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export async function waitFor(
  check: () => true | string | Promise<true | string>,
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let reason = 'not checked yet';
  for (;;) {
    try {
      const result = await check();
      if (result === true) return;
      reason = result;
    } catch (error) {
      reason = `check threw: ${(error as Error).message}`;
    }
    if (Date.now() >= deadline)
      throw new Error(`waitFor timed out after ${timeoutMs}ms: ${reason}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Asserts that `check` stays true for `forMs` (e.g. "no duplicate instance appears"). */
export async function holdsFor(
  check: () => true | string | Promise<true | string>,
  forMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + forMs;
  while (Date.now() < deadline) {
    const result = await check();
    if (result !== true) throw new Error(`condition stopped holding: ${result}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
