/** One problem found in a config file, before file and line are attached. */
export type KeyPath = Array<string | number>;

export interface ConfigIssue {
  path: KeyPath;
  message: string;
  /** For unknown keys: the key path points at the key itself, not a value. */
  isKey?: boolean;
}

/** A located problem, as reported to the user. */
export interface ConfigProblem {
  file: string;
  line?: number | undefined;
  /** The key path as the user wrote it, e.g. `processes[0].health_check.interval`. */
  key: string;
  message: string;
}

/** `['processes', 0, 'port']` -> `processes[0].port`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out || '(root)';
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.key}: ${problem.message}`;
}
