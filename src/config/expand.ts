/**
 * `${VAR}` and `${VAR:-default}` expansion in every string value of the parsed YAML (keys are
 * left alone). `${VAR-default}` uses the default only when VAR is unset. `$${` writes a literal
 * `${`. A mapping value that is nothing but a reference to an unset or empty variable is removed,
 * so `token: ${GITHUB_TOKEN}` means "no token" when the variable is not set. An empty value
 * (`tunnel:` with everything under it commented out) is likewise "not set".
 */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g;
const ONLY_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\}$/;

export type Environment = Readonly<Record<string, string | undefined>>;

export function expandString(text: string, env: Environment): string {
  return text.replace(
    REFERENCE,
    (match, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${';
      const value = env[name ?? ''];
      if (op === ':-') return value === undefined || value === '' ? (fallback ?? '') : value;
      if (op === '-') return value === undefined ? (fallback ?? '') : value;
      return value ?? '';
    },
  );
}

export function expandValue(value: unknown, env: Environment): unknown {
  if (typeof value === 'string') return expandString(value, env);
  if (Array.isArray(value)) return value.map((item) => expandValue(item, env));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // `key:` with nothing after it (every child commented out) means "not set", as in Go's YAML.
      if (item === null) continue;
      const expanded = expandValue(item, env);
      if (typeof item === 'string' && ONLY_REFERENCE.test(item) && expanded === '') continue;
      out[key] = expanded;
    }
    return out;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
