// Builds dist/ (compile, then bundle) and the dashboard (web/dist) once before the tests, so tests
// that run the `gowinproc` executable, or load the dashboard in a browser, test the current
// sources (npm ci builds too, but a developer's tree may have changed since).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const run = (args: string[]): void =>
    void execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  run([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  run([join(root, 'scripts', 'bundle.mjs')]);
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
    cwd: join(root, 'web'),
    stdio: 'inherit',
  });
}
