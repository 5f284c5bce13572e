/** Running commands with a timeout and captured output. */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/**
 * Runs argv[0] with argv[1..]; resolves { code, signal, stdout, stderr, ms }. Never rejects for
 * a non-zero exit; rejects on a spawn error or when `timeoutMs` passes (the command is killed).
 */
export function run(argv, { env, cwd, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), {
      env: env ?? process.env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`timed out after ${timeoutMs} ms: ${argv.join(' ')}\n${stderr.slice(-2000)}`),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Like run(), but rejects when the exit code is not 0. */
export async function runChecked(argv, options) {
  const result = await run(argv, options);
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().slice(-2000);
    throw new Error(`exit code ${result.code}: ${argv.join(' ')}\n${output}`);
  }
  return result;
}

/** The absolute path of a command on PATH, or null. */
export async function which(command) {
  const result = await run(['sh', '-c', `command -v ${command}`]).catch(() => null);
  const path = result?.code === 0 ? result.stdout.trim() : '';
  return path || null;
}
