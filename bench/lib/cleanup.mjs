/**
 * Everything the bench starts registers how to stop it here. runCleanups() runs the actions in
 * reverse order (each bounded by a timeout) on success, on failure, and on SIGINT/SIGTERM.
 */
import { progress } from './log.mjs';

const actions = [];

/** Registers an action; returns a function that unregisters it (once it is done by hand). */
export function onCleanup(label, fn) {
  const entry = { label, fn };
  actions.push(entry);
  return () => {
    const index = actions.indexOf(entry);
    if (index >= 0) actions.splice(index, 1);
  };
}

export async function runCleanups() {
  while (actions.length > 0) {
    const { label, fn } = actions.pop();
    progress(`cleanup: ${label}`);
    let timer;
    try {
      await Promise.race([
        Promise.resolve().then(fn),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('cleanup timed out after 30 s')), 30_000);
        }),
      ]);
    } catch (error) {
      progress(`cleanup of ${label} failed: ${error.message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** On SIGINT/SIGTERM: clean up, then exit 130/143. */
export function installSignalCleanup() {
  let busy = false;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.on(signal, () => {
      if (busy) return;
      busy = true;
      progress(`${signal}: stopping everything the bench started`);
      runCleanups().finally(() => process.exit(code));
    });
  }
}
