// Bundles the compiled CLI/daemon (dist/daemon/main.js) into dist/gowinproc.js, minified, with
// code split so `gowinproc run` loads only what the daemon needs. One file to load is ~6 MB
// less resident memory for the daemon than hundreds of modules (see bench/README.md, S2).
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

await rm('dist/bundle', { recursive: true, force: true }); // no stale chunks from earlier builds

await build({
  entryPoints: { gowinproc: 'dist/daemon/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Native addons load their .node files relative to their package: they stay in node_modules.
  external: ['better-sqlite3', 'koffi'],
  // Some dependencies (pino) call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __gowinprocRequire } from 'node:module'; const require = __gowinprocRequire(import.meta.url);",
  },
});
