/**
 * The dashboard (web/dist, built by Vite) served at `/`. The page itself needs no credential (it
 * is static and holds no data); its API calls do. Rules:
 * - `/` and `/index.html`, and any other path a browser navigates to (Accept: text/html) that is
 *   no file, get index.html: the dashboard routes in the browser (history router), so
 *   /processes/web must load on a reload too. index.html is revalidated on every load
 *   (no-cache + ETag), so a rebuilt dashboard is picked up at once.
 * - `/assets/*` (Vite's hashed file names) are cached for a year; other files (a favicon) are
 *   revalidated.
 * - A path from the URL never reaches the file system as it is: each segment is decoded and
 *   refused if it could step out (`..`, a separator, a drive, NUL, a hidden name), and the
 *   resolved real path (symbolic links followed) must lie under the build directory.
 * Files are read on each request (a browser caches them; the daemon keeps no copy in memory).
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, isAbsolute, sep } from 'node:path';
import { DaemonError } from '../../shared/index.js';
import type { RestRequest, RestResponse, StaticSite } from './router.js';

export const DASHBOARD_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export const NOT_BUILT_MESSAGE = 'the dashboard is not built: run npm run build';

const IMMUTABLE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

const HTML_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export class DashboardSite implements StaticSite {
  /** `dir`: the build directory (web/dist); undefined or missing: every page says it is not built. */
  constructor(private readonly dir: string | undefined) {}

  async serve(
    pathname: string,
    headers: RestRequest['headers'],
  ): Promise<RestResponse | undefined> {
    if (pathname === '/' || pathname === '/index.html') return this.index(headers);
    const segments = safeSegments(pathname);
    const file = segments ? await this.find(segments) : undefined;
    if (file) {
      const immutable = segments?.[0] === 'assets' && segments.length > 1;
      return answer(file, headers, fileHeaders(file.path, immutable));
    }
    const first = pathname.split('/')[1] ?? '';
    if (first === 'assets') {
      // Not index.html: a browser would run it as the missing script.
      throw new DaemonError(
        'not_found',
        `the dashboard has no file ${pathname.slice(0, 200)}; reload the page (the dashboard may have been rebuilt)`,
      );
    }
    // A file name at the top (favicon.ico) or a gRPC-Web path (/proto.ProcessManager/...) is no page.
    if (first.includes('.') || !acceptsHtml(headers['accept'])) return undefined;
    return this.index(headers);
  }

  private async index(headers: RestRequest['headers']): Promise<RestResponse> {
    const file = await this.find(['index.html']);
    if (!file) throw new DaemonError('not_found', NOT_BUILT_MESSAGE);
    return answer(file, headers, HTML_HEADERS);
  }

  /** The regular file at these (safe) segments, if it exists under the build directory. */
  private async find(segments: readonly string[]): Promise<FoundFile | undefined> {
    if (this.dir === undefined) return undefined;
    try {
      const root = await realpath(this.dir);
      const path = await realpath(join(root, ...segments));
      const inside = relative(root, path);
      if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside))
        return undefined;
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return { path, size: info.size, mtimeMs: info.mtimeMs };
    } catch {
      return undefined; // missing (ENOENT, ENOTDIR) or unreadable: not a file of the dashboard
    }
  }
}

/**
 * The decoded segments of a path if every one is a plain file or folder name, else undefined.
 * `new URL` has already resolved `.`/`..` (also `%2e%2e`) and turned `\` into `/`; what is left
 * to refuse is what decoding brings back: separators, NUL, `..`, drive letters, hidden names and
 * names Windows would silently trim (`index.html.`).
 */
export function safeSegments(pathname: string): string[] | undefined {
  const segments: string[] = [];
  for (const encoded of pathname.split('/').slice(1)) {
    let name: string;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
    if (
      name === '' ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.endsWith(' ') ||
      /[/\\:\0]/.test(name)
    ) {
      return undefined;
    }
    segments.push(name);
  }
  return segments.length > 0 ? segments : undefined;
}

function acceptsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|[\s,])text\/html(\s*[;,]|\s*$)/i.test(accept);
}

function fileHeaders(path: string, immutable: boolean): Record<string, string> {
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  if (type.startsWith('text/html')) return { ...HTML_HEADERS };
  return {
    'content-type': type,
    'cache-control': immutable ? IMMUTABLE : 'no-cache',
    'x-content-type-options': 'nosniff',
  };
}

/** 200 with the bytes, or 304 when the browser's copy (If-None-Match / If-Modified-Since) is current. */
async function answer(
  file: FoundFile,
  request: RestRequest['headers'],
  base: Readonly<Record<string, string>>,
): Promise<RestResponse> {
  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  const lastModified = new Date(Math.floor(file.mtimeMs / 1000) * 1000);
  const headers = { ...base, etag, 'last-modified': lastModified.toUTCString() };
  if (notModified(request, etag, lastModified.getTime())) {
    return { status: 304, headers, bytes: Buffer.alloc(0) };
  }
  return { status: 200, headers, bytes: await readFile(file.path) };
}

function notModified(
  request: RestRequest['headers'],
  etag: string,
  lastModifiedMs: number,
): boolean {
  const ifNoneMatch = request['if-none-match'];
  if (ifNoneMatch !== undefined) {
    // Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter.
    const bare = etag.replace(/^W\//, '');
    return ifNoneMatch
      .split(',')
      .map((tag) => tag.trim().replace(/^W\//, ''))
      .some((tag) => tag === '*' || tag === bare);
  }
  const ifModifiedSince = request['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && lastModifiedMs <= since;
}
