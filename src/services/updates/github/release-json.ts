import { DaemonError } from '../../../shared/index.js';
import type { Release, ReleaseAsset } from '../types.js';

/**
 * GitHub's release JSON (snake_case, many more fields) to our Release. Only the fields we use are
 * checked; an answer without them is GitHub misbehaving (or a proxy's HTML page), reported as
 * github_unavailable rather than crashing later on an undefined.
 */
export function parseRelease(value: unknown, where: string): Release {
  const json = asObject(value, where);
  const tag = field(json, 'tag_name', 'string', where);
  const assets = json['assets'];
  if (!Array.isArray(assets)) throw shapeError(where, 'assets');
  const createdAt = optional(json, 'created_at', 'string', where) ?? '';
  return {
    id: field(json, 'id', 'number', where),
    tag,
    // GitHub's name and body are null when the release was created without them.
    name: optional(json, 'name', 'string', where) || tag,
    body: optional(json, 'body', 'string', where) ?? '',
    draft: field(json, 'draft', 'boolean', where),
    prerelease: field(json, 'prerelease', 'boolean', where),
    publishedAt: optional(json, 'published_at', 'string', where) ?? createdAt,
    htmlUrl: field(json, 'html_url', 'string', where),
    // An asset in state `open` is still uploading: not downloadable yet.
    assets: assets
      .map((asset) => asObject(asset, where))
      .filter((asset) => asset['state'] === undefined || asset['state'] === 'uploaded')
      .map((asset) => parseAsset(asset, where)),
  };
}

export function parseReleaseList(value: unknown, where: string): Release[] {
  if (!Array.isArray(value)) throw shapeError(where, 'the release list');
  return value.map((item) => parseRelease(item, where));
}

function parseAsset(json: Record<string, unknown>, where: string): ReleaseAsset {
  const digest = optional(json, 'digest', 'string', where);
  return {
    id: field(json, 'id', 'number', where),
    name: field(json, 'name', 'string', where),
    size: field(json, 'size', 'number', where),
    contentType: optional(json, 'content_type', 'string', where) ?? 'application/octet-stream',
    browserDownloadUrl: field(json, 'browser_download_url', 'string', where),
    apiUrl: field(json, 'url', 'string', where),
    ...(digest ? { digest } : {}),
  };
}

interface Kinds {
  string: string;
  number: number;
  boolean: boolean;
}

function field<K extends keyof Kinds>(
  json: Record<string, unknown>,
  key: string,
  kind: K,
  where: string,
): Kinds[K] {
  const value = json[key];
  if (typeof value !== kind) throw shapeError(where, key);
  return value as Kinds[K];
}

function optional<K extends keyof Kinds>(
  json: Record<string, unknown>,
  key: string,
  kind: K,
  where: string,
): Kinds[K] | undefined {
  const value = json[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== kind) throw shapeError(where, key);
  return value as Kinds[K];
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw shapeError(where, 'a release object');
  }
  return value as Record<string, unknown>;
}

function shapeError(where: string, what: string): DaemonError {
  return new DaemonError(
    'github_unavailable',
    `${where}: GitHub's answer lacks a valid ${what} (not a GitHub releases API?)`,
  );
}
