/**
 * The worker sends every secret it holds; each process receives only its `secrets_keys`.
 * An empty list means "all of them", which is allowed but reported.
 */
export interface SelectedSecrets {
  values: Record<string, string>;
  /** Names in secrets_keys the worker did not send. */
  missing: string[];
  /** True when the process has no secrets_keys and so receives every secret. */
  receivedAll: boolean;
}

export function selectSecrets(
  all: Readonly<Record<string, string>>,
  wanted: readonly string[],
): SelectedSecrets {
  if (wanted.length === 0) return { values: { ...all }, missing: [], receivedAll: true };
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of wanted) {
    if (Object.hasOwn(all, name)) values[name] = all[name]!;
    else missing.push(name);
  }
  return { values, missing, receivedAll: false };
}

export interface KeyChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Which names appeared, disappeared or got another value (by fingerprint); names only. */
export function diffKeys(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): KeyChanges {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort();
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
  const changed = [...after.keys()]
    .filter((k) => before.has(k) && before.get(k) !== after.get(k))
    .sort();
  return { added, removed, changed };
}

export const hasChanges = (c: KeyChanges): boolean =>
  c.added.length + c.removed.length + c.changed.length > 0;
