/** Progress lines on stderr, prefixed with the time since the bench started. */
const t0 = Date.now();

export function progress(message) {
  const secs = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${secs}s] ${message}\n`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
