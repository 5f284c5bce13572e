/**
 * Releases for S5 (hot deploy): the project's fake GitHub (test/fakes/github.ts, bundled with
 * esbuild into the run directory, so the bench runs it without a TypeScript loader) and echo
 * releases published on it. A release is a tar.gz holding one executable named like the process
 * (`echo`): a `#!/bin/sh` script that exports the release's env (UNHEALTHY=1, READY_DELAY_MS,
 * ...) and execs `node <abs path>/echo-service.mjs <marker>`, so the bench's leftover scan finds
 * every instance a release starts. The script prefixes INSTANCE_ID with the tag, so each reply's
 * served_by says which release answered it.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import tar from 'tar-stream';
import { ECHO_FIXTURE } from './balancer.mjs';
import { onCleanup } from './cleanup.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FAKE_GITHUB_SOURCE = join(ROOT, 'test', 'fakes', 'github.ts');

/** The asset name the daemon's selector picks on this machine (GitHub release naming). */
export const ECHO_ASSET = `echo_linux_${process.arch === 'x64' ? 'amd64' : process.arch}.tar.gz`;

/** Bundles test/fakes/github.ts into `dir` and imports it; resolves the module. */
export async function loadFakeGithub(dir) {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'fake-github.mjs');
  await build({
    entryPoints: [FAKE_GITHUB_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return import(pathToFileURL(outfile).href);
}

const shellQuote = (value) => `'${String(value).replaceAll("'", `'\\''`)}'`;

/**
 * The release's executable: exports `env` (names must be shell identifiers), tags INSTANCE_ID
 * (`<tag>/<id>`, the daemon's id or the port), execs the echo fixture with the marker.
 */
export function echoReleaseScript({ tag, env = {}, marker }) {
  const exports = Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad env name ${name}`);
    return `export ${name}=${shellQuote(value)}\n`;
  });
  return (
    '#!/bin/sh\n' +
    `# echo release ${tag} for the gowinproc bench\n` +
    exports.join('') +
    `export INSTANCE_ID=${shellQuote(`${tag}/`)}"\${INSTANCE_ID:-$PORT}"\n` +
    `exec ${shellQuote(process.execPath)} ${shellQuote(ECHO_FIXTURE)} ${shellQuote(marker)}\n`
  );
}

/** A tar.gz of `entries` [{name, data, mode}] built with tar-stream and node's zlib. */
export async function tarGz(entries) {
  const pack = tar.pack();
  const collected = (async () => {
    const chunks = [];
    for await (const chunk of pack) chunks.push(chunk);
    return Buffer.concat(chunks);
  })();
  for (const entry of entries) {
    const data = Buffer.from(entry.data);
    await new Promise((resolveEntry, reject) =>
      pack.entry(
        { name: entry.name, type: 'file', mode: entry.mode ?? 0o644, size: data.length },
        data,
        (error) => (error ? reject(error) : resolveEntry()),
      ),
    );
  }
  pack.finalize();
  return gzipSync(await collected);
}

/** The tar.gz of one echo release: the script as `echo`, mode 755. */
export function echoReleaseArchive(release) {
  return tarGz([{ name: 'echo', data: echoReleaseScript(release), mode: 0o755 }]);
}

/**
 * Starts the fake GitHub (API + download host on 127.0.0.1, port 0); resolves { apiUrl,
 * publishEcho({repo, tag, env}), requests, close() }. publishEcho uploads the release's tar.gz
 * (no checksum asset: the process runs with `github.checksum: optional`).
 */
export async function startReleaseHost({ dir, marker }) {
  const { startFakeGithub } = await loadFakeGithub(dir);
  const github = await startFakeGithub();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    forget();
    await github.close();
  };
  const forget = onCleanup('fake GitHub', close);
  return {
    apiUrl: github.apiUrl,
    get requests() {
      return github.requests;
    },
    async publishEcho({ repo, tag, env = {} }) {
      const data = await echoReleaseArchive({ tag, env, marker });
      github.publish(repo, { tag, assets: [{ name: ECHO_ASSET, data }] });
      return { tag, asset: ECHO_ASSET, bytes: data.length };
    },
    close,
  };
}
