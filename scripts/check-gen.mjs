// `npm run gen:check`: regenerates the protobuf code into a temp dir and fails if it differs from
// the committed src/gen (someone edited proto/ without `npm run gen`, or edited src/gen by hand).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'gowinproc-gen-'));
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
try {
  // buf prepends --output to the template's `out: ../src/gen`: the result lands in <temp>/src/gen.
  execFileSync(
    join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'buf.cmd' : 'buf'),
    ['generate', '--output', join(temp, 'proto')],
    {
      cwd: join(root, 'proto'),
      stdio: 'inherit',
      shell: process.platform === 'win32',
      env: {
        ...process.env,
        PATH: `${join(root, 'node_modules', '.bin')}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH}`,
      },
    },
  );
  const fresh = join(temp, 'src', 'gen');
  const committed = join(root, 'src', 'gen');
  const names = (dir) =>
    files(dir)
      .map((f) => relative(dir, f))
      .sort();
  const drift = [...new Set([...names(fresh), ...names(committed)])].filter((name) => {
    try {
      return (
        readFileSync(join(fresh, name), 'utf8') !== readFileSync(join(committed, name), 'utf8')
      );
    } catch {
      return true;
    }
  });
  if (drift.length > 0) {
    console.error(`src/gen is out of date with proto/ (${drift.join(', ')}): run \`npm run gen\``);
    process.exit(1);
  }
  console.log('src/gen matches proto/');
} finally {
  rmSync(temp, { recursive: true, force: true });
}
