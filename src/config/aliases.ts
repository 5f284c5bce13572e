/**
 * Compatibility with configs written for the original Go gowinproc. Its real schema is our
 * canonical one; the schema its README and DESIGN documents describe (`manager.*`, `cloudflare.*`,
 * `processes[].executable` ...) is rewritten here into canonical keys before validation. Each
 * move is remembered so an error is reported at the key the user wrote. Setting a key both ways
 * is an error naming both.
 */
import { formatKeyPath, type ConfigIssue, type KeyPath } from './issues.js';
import { isPlainObject } from './expand.js';
import { closestKey } from './suggest.js';

/** canonical path <- path the user wrote */
export interface Origin {
  canonical: KeyPath;
  source: KeyPath;
  /** Set when the value came from an environment variable rather than the file. */
  envVar?: string;
}

interface Move {
  from: KeyPath;
  to: KeyPath;
}

const TOP_LEVEL_MOVES: Move[] = [
  { from: ['manager', 'api_port'], to: ['server', 'port'] },
  { from: ['manager', 'grpc_port'], to: ['server', 'grpc_port'] },
  { from: ['manager', 'log_level'], to: ['log_level'] },
  { from: ['manager', 'certificates', 'auto_generate'], to: ['certificates', 'auto_generate'] },
  { from: ['manager', 'certificates', 'cert_dir'], to: ['paths', 'certs'] },
  { from: ['manager', 'certificates', 'key_size'], to: ['certificates', 'key_size'] },
  { from: ['manager', 'certificates', 'validity_days'], to: ['certificates', 'validity_days'] },
  { from: ['manager', 'certificates', 'organization'], to: ['certificates', 'organization'] },
  { from: ['manager', 'certificates', 'common_name'], to: ['certificates', 'common_name'] },
  { from: ['cloudflare', 'auth_worker', 'url'], to: ['secrets', 'cloudflare', 'worker_url'] },
  { from: ['cloudflare', 'auth_worker', 'client_id'], to: ['secrets', 'cloudflare', 'client_id'] },
  {
    from: ['cloudflare', 'auth_worker', 'private_key_path'],
    to: ['secrets', 'cloudflare', 'private_key_path'],
  },
  { from: ['cloudflare', 'auth_worker', 'retry_max'], to: ['secrets', 'cloudflare', 'retry_max'] },
  {
    from: ['cloudflare', 'auth_worker', 'retry_backoff'],
    to: ['secrets', 'cloudflare', 'retry_backoff'],
  },
  { from: ['cloudflare', 'webhook_worker', 'url'], to: ['github', 'cloudflare', 'worker_url'] },
  {
    from: ['cloudflare', 'webhook_worker', 'poll_interval'],
    to: ['github', 'update_mode', 'polling', 'interval'],
  },
  { from: ['cloudflare', 'tunnel'], to: ['tunnel'] },
];

const PROCESS_MOVES: Move[] = [
  { from: ['executable'], to: ['binary_path'] },
  { from: ['working_dir'], to: ['work_dir'] },
  { from: ['health_check_url'], to: ['health_check', 'endpoint'] },
  { from: ['github', 'repo'], to: ['repository'] },
];

/** Keys the legacy sections may hold, for "did you mean" on leftovers. */
const LEGACY_KEYS: Record<string, string[]> = {
  manager: ['api_port', 'grpc_port', 'log_level', 'certificates'],
  'manager.certificates': [
    'auto_generate',
    'cert_dir',
    'key_size',
    'validity_days',
    'organization',
    'common_name',
  ],
  cloudflare: ['enabled', 'auth_worker', 'webhook_worker', 'tunnel'],
  'cloudflare.auth_worker': ['url', 'client_id', 'private_key_path', 'retry_max', 'retry_backoff'],
  'cloudflare.webhook_worker': ['url', 'poll_interval'],
};

export interface AliasResult {
  value: Record<string, unknown>;
  origins: Origin[];
  issues: ConfigIssue[];
}

export function applyAliases(input: Record<string, unknown>): AliasResult {
  const value = structuredClone(input);
  const origins: Origin[] = [];
  const issues: ConfigIssue[] = [];

  const cloudflare = value['cloudflare'];
  const cloudflareEnabled = isPlainObject(cloudflare) && cloudflare['enabled'] === true;
  if (isPlainObject(cloudflare) && 'enabled' in cloudflare) {
    if (typeof cloudflare['enabled'] !== 'boolean') {
      issues.push({
        path: ['cloudflare', 'enabled'],
        message: `expected true or false, got ${JSON.stringify(cloudflare['enabled'])}`,
      });
    }
    if (cloudflareEnabled) {
      setDerived(
        value,
        ['secrets', 'mode'],
        'cloudflare',
        ['cloudflare', 'enabled'],
        origins,
        issues,
      );
      if (isPlainObject(cloudflare['webhook_worker'])) {
        setDerived(
          value,
          ['github', 'mode'],
          'cloudflare',
          ['cloudflare', 'webhook_worker'],
          origins,
          issues,
        );
      }
    }
    delete cloudflare['enabled'];
  }
  for (const move of TOP_LEVEL_MOVES) applyMove(value, [], move, origins, issues);
  for (const section of ['manager', 'cloudflare'] as const)
    reportLeftovers(value, [section], issues);

  const processes = value['processes'];
  if (Array.isArray(processes)) {
    processes.forEach((proc, index) => {
      if (!isPlainObject(proc)) return;
      for (const move of PROCESS_MOVES)
        applyMove(proc, ['processes', index], move, origins, issues);
      const github = proc['github'];
      if (isPlainObject(github) && Object.keys(github).length === 0) delete proc['github'];
    });
  }
  return { value, origins, issues };
}

function applyMove(
  root: Record<string, unknown>,
  base: KeyPath,
  move: Move,
  origins: Origin[],
  issues: ConfigIssue[],
): void {
  const found = getPath(root, move.from);
  if (found === undefined) return;
  const existing = getPath(root, move.to);
  if (existing !== undefined) {
    issues.push({
      path: [...base, ...move.from],
      isKey: true,
      message: `"${formatKeyPath([...base, ...move.from])}" (the original gowinproc's name) and "${formatKeyPath([...base, ...move.to])}" set the same key; keep one of them`,
    });
    deletePath(root, move.from);
    return;
  }
  setPath(root, move.to, found);
  deletePath(root, move.from);
  origins.push({ canonical: [...base, ...move.to], source: [...base, ...move.from] });
}

function setDerived(
  root: Record<string, unknown>,
  to: KeyPath,
  value: unknown,
  source: KeyPath,
  origins: Origin[],
  issues: ConfigIssue[],
): void {
  const existing = getPath(root, to);
  if (existing !== undefined && existing !== value) {
    issues.push({
      path: source,
      isKey: true,
      message: `"${formatKeyPath(source)}" implies ${formatKeyPath(to)}: ${String(value)}, but "${formatKeyPath(to)}" is set to ${JSON.stringify(existing)}; keep one of them`,
    });
    return;
  }
  setPath(root, to, value);
  origins.push({ canonical: to, source });
}

/** Whatever is left in a legacy section after the moves is unknown. */
function reportLeftovers(
  root: Record<string, unknown>,
  path: string[],
  issues: ConfigIssue[],
): void {
  const node = getPath(root, path);
  if (node === undefined) return;
  const parent = getPath(root, path.slice(0, -1)) as Record<string, unknown>;
  if (!isPlainObject(node)) {
    issues.push({ path, message: `expected a mapping, got ${JSON.stringify(node)}` });
    delete parent[path[path.length - 1]!];
    return;
  }
  for (const key of Object.keys(node)) {
    const childPath = [...path, key];
    if (LEGACY_KEYS[childPath.join('.')]) {
      // A known sub-section: its leftovers are reported inside it (or that it is not a mapping).
      reportLeftovers(root, childPath, issues);
      continue;
    }
    const known = LEGACY_KEYS[path.join('.')] ?? [];
    const suggestion = closestKey(key, known);
    issues.push({
      path: childPath,
      isKey: true,
      message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    });
  }
  delete parent[path[path.length - 1]!];
}

export function getPath(root: unknown, path: KeyPath): unknown {
  let node: unknown = root;
  for (const part of path) {
    if (Array.isArray(node) && typeof part === 'number') node = node[part];
    else if (isPlainObject(node) && typeof part === 'string') node = node[part];
    else return undefined;
  }
  return node;
}

export function setPath(root: Record<string, unknown>, path: KeyPath, value: unknown): void {
  let node: Record<string, unknown> = root;
  for (const part of path.slice(0, -1)) {
    const next = node[String(part)];
    if (!isPlainObject(next)) node[String(part)] = {};
    node = node[String(part)] as Record<string, unknown>;
  }
  node[String(path[path.length - 1])] = value;
}

function deletePath(root: Record<string, unknown>, path: KeyPath): void {
  const parentPath = path.slice(0, -1);
  const parent = getPath(root, parentPath);
  if (!isPlainObject(parent)) return;
  delete parent[String(path[path.length - 1])];
  // Drop legacy containers emptied by the moves (`manager.certificates`, `cloudflare.auth_worker`...).
  if (parentPath.length > 0 && Object.keys(parent).length === 0) deletePath(root, parentPath);
}
