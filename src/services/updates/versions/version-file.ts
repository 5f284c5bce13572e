/**
 * The on-disk shape of `<data>/versions.json` and its strict reader. The file is ours and written
 * atomically, so anything that does not parse into this exact shape is treated as corrupt (the
 * store moves it aside) rather than half-trusted: a wrong `dir` here would be removed by prune.
 */
import { isAbsolute } from 'node:path';
import type { InstalledVersion } from '../types.js';

/** An install as the store keeps it: `removedAt` is set once prune deleted its directory. */
export interface VersionRecord extends InstalledVersion {
  removedAt?: number | undefined;
}

/** One process's versions as stored: current/previous name versions present in `history`. */
export interface StoredProcessVersions {
  current?: string | undefined;
  previous?: string | undefined;
  /** Newest `installedAt` first. */
  history: VersionRecord[];
}

export interface VersionsFile {
  version: 1;
  updatedAt: number;
  processes: Record<string, StoredProcessVersions>;
}

export function serializeVersionsFile(
  processes: ReadonlyMap<string, StoredProcessVersions>,
  now: number,
): string {
  const data: VersionsFile = {
    version: 1,
    updatedAt: now,
    processes: Object.fromEntries(processes),
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** Parses the file's text; throws an Error whose message says what is wrong. */
export function parseVersionsFile(text: string): Map<string, StoredProcessVersions> {
  const data: unknown = JSON.parse(text);
  if (!isObject(data) || data['version'] !== 1)
    throw new Error('unknown format (version is not 1)');
  const processes = data['processes'];
  if (!isObject(processes)) throw new Error('"processes" is not an object');
  const result = new Map<string, StoredProcessVersions>();
  for (const [name, value] of Object.entries(processes)) {
    result.set(name, parseProcess(name, value));
  }
  return result;
}

function parseProcess(name: string, value: unknown): StoredProcessVersions {
  if (!isObject(value)) throw new Error(`processes.${name} is not an object`);
  const history = value['history'];
  if (!Array.isArray(history)) throw new Error(`processes.${name}.history is not an array`);
  const records = history.map((item: unknown, i) =>
    parseRecord(`processes.${name}.history[${i}]`, item),
  );
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.version))
      throw new Error(`processes.${name}.history lists ${record.version} twice`);
    seen.add(record.version);
  }
  const entry: StoredProcessVersions = { history: records };
  for (const key of ['current', 'previous'] as const) {
    const version = value[key];
    if (version === undefined) continue;
    if (typeof version !== 'string') throw new Error(`processes.${name}.${key} is not a string`);
    const record = records.find((r) => r.version === version);
    if (!record || record.removedAt !== undefined)
      throw new Error(`processes.${name}.${key} (${version}) is not an installed version`);
    entry[key] = version;
  }
  return entry;
}

function parseRecord(where: string, value: unknown): VersionRecord {
  if (!isObject(value)) throw new Error(`${where} is not an object`);
  const text = (key: string): string => {
    const field = value[key];
    if (typeof field !== 'string' || field === '')
      throw new Error(`${where}.${key} is not a string`);
    return field;
  };
  const num = (key: string): number => {
    const field = value[key];
    if (typeof field !== 'number' || !Number.isFinite(field))
      throw new Error(`${where}.${key} is not a number`);
    return field;
  };
  const dir = text('dir');
  const executable = text('executable');
  if (!isAbsolute(dir) || !isAbsolute(executable))
    throw new Error(`${where}: dir and executable must be absolute paths`);
  if (typeof value['verified'] !== 'boolean') throw new Error(`${where}.verified is not a boolean`);
  const record: VersionRecord = {
    version: text('version'),
    dir,
    executable,
    installedAt: num('installedAt'),
    asset: text('asset'),
    sha256: text('sha256'),
    verified: value['verified'],
  };
  const release = value['release'];
  if (release !== undefined) {
    if (
      !isObject(release) ||
      typeof release['name'] !== 'string' ||
      typeof release['publishedAt'] !== 'string' ||
      typeof release['htmlUrl'] !== 'string'
    )
      throw new Error(`${where}.release is malformed`);
    record.release = {
      name: release['name'],
      publishedAt: release['publishedAt'],
      htmlUrl: release['htmlUrl'],
    };
  }
  if (value['removedAt'] !== undefined) record.removedAt = num('removedAt');
  return record;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
