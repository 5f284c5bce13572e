/**
 * Reading the auth worker's answers (spec cloudflare.md §1). Each reader returns the value or the
 * reason the body is malformed; reasons name fields, never their values (tokens, secrets).
 */

export interface LoginResult {
  /** HS256 JWT, valid 1 hour. */
  token: string;
  /** Stored by the worker only when the login carried a tunnel URL; used by /tunnel/register. */
  accessToken: string;
  /** Every string variable of the worker; filter per process on our side. */
  secretData: Record<string, string>;
  /** Present only when asked for and the worker's upstream answered. */
  repoList?: string[];
}

export type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readChallenge(body: unknown): Read<string> {
  if (!isObject(body)) return { ok: false, problem: 'the body is not a JSON object' };
  const challenge = body['challenge'];
  if (typeof challenge !== 'string' || challenge === '') {
    return { ok: false, problem: '"challenge" is missing or not a string' };
  }
  return { ok: true, value: challenge };
}

export function readLoginResult(body: unknown): Read<LoginResult> {
  if (!isObject(body)) return { ok: false, problem: 'the body is not a JSON object' };
  if (body['success'] !== undefined && body['success'] !== true) {
    return { ok: false, problem: '"success" is not true' };
  }
  const { token, accessToken, secretData, repoList } = body;
  if (typeof token !== 'string' || token === '') {
    return { ok: false, problem: '"token" is missing or not a string' };
  }
  if (typeof accessToken !== 'string') {
    return { ok: false, problem: '"accessToken" is missing or not a string' };
  }
  if (!isObject(secretData)) {
    return { ok: false, problem: '"secretData" is missing or not an object' };
  }
  // Only string values are secrets the worker means to hand out; anything else is ignored.
  const secrets = Object.fromEntries(
    Object.entries(secretData).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
  const result: LoginResult = { token, accessToken, secretData: secrets };
  if (repoList !== undefined && repoList !== null) {
    if (!Array.isArray(repoList)) return { ok: false, problem: '"repoList" is not an array' };
    result.repoList = repoList.filter((repo): repo is string => typeof repo === 'string');
  }
  return { ok: true, value: result };
}

export function readRegistration(body: unknown): Read<true> {
  if (!isObject(body)) return { ok: false, problem: 'the body is not a JSON object' };
  if (body['success'] !== true) return { ok: false, problem: '"success" is not true' };
  return { ok: true, value: true };
}

const MAX_ERROR_TEXT = 200;

/**
 * The worker's own (deliberately vague) error text: `error` of a JSON body, else the plain-text
 * body, shortened, on one line, with any value we sent that must stay private blanked out.
 */
export function workerErrorText(body: unknown, text: string, sensitive: readonly string[]): string {
  let raw = isObject(body) && typeof body['error'] === 'string' ? body['error'] : text;
  for (const value of sensitive) {
    if (value.length >= 8) raw = raw.split(value).join('[redacted]');
  }
  // Control characters would let a hostile body forge extra log lines.
  const clean = [...raw.slice(0, MAX_ERROR_TEXT * 2)]
    .map((char) => (char < ' ' || char === '\u007f' ? ' ' : char))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  return clean.length > MAX_ERROR_TEXT ? `${clean.slice(0, MAX_ERROR_TEXT)}...` : clean;
}
