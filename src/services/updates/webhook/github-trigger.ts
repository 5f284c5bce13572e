/**
 * What a GitHub webhook delivery asks of gowinproc (cloudflare.md §4): a new release of a
 * repository (a release published or released, a tag pushed, a tag created), a ping, or nothing.
 * Pure: the caller has verified the signature and parsed the JSON; which processes follow the
 * repository, and whether they take pre-releases, is decided further on.
 *
 * GitHub sends `published` and `released` for the same full release, and `push` and `create`
 * for the same new tag when the hook subscribes to both: each is a trigger here; starting an
 * update for a version a process already runs or is updating to is the update service's to skip.
 */

export type GithubTrigger =
  | { kind: 'ping' }
  | { kind: 'ignore'; reason: string }
  | {
      kind: 'release';
      repository: string;
      tag: string;
      prerelease: boolean;
      source: 'release' | 'push' | 'create';
    };

const RELEASE_ACTIONS = new Set(['published', 'released']);
const TAG_REF = 'refs/tags/';

/** `event` is the X-GitHub-Event header; `payload` the parsed JSON body. */
export function githubWebhookTrigger(event: string | undefined, payload: unknown): GithubTrigger {
  const name = event?.trim().toLowerCase();
  if (name === undefined || name === '') return ignore('the request has no X-GitHub-Event header');
  if (name === 'ping') return { kind: 'ping' };
  if (name !== 'release' && name !== 'push' && name !== 'create')
    return ignore(
      `GitHub event "${clip(name)}" does not trigger updates (only release, push of a tag, create of a tag)`,
    );
  if (!isObject(payload)) return ignore(`the ${name} payload is not a JSON object`);
  const repository = stringAt(payload, 'repository', 'full_name');
  if (repository === undefined) return ignore(`the ${name} payload has no repository.full_name`);

  if (name === 'release') {
    const action = typeof payload['action'] === 'string' ? payload['action'] : undefined;
    if (action === undefined || !RELEASE_ACTIONS.has(action))
      return ignore(
        `release action "${clip(action ?? '(none)')}" does not trigger updates (only published and released)`,
      );
    const release = payload['release'];
    if (!isObject(release)) return ignore('the release payload has no release object');
    const tag = stringAt(release, 'tag_name');
    if (tag === undefined) return ignore('the release payload has no release.tag_name');
    if (release['draft'] === true) return ignore(`release ${clip(tag)} is a draft`);
    return {
      kind: 'release',
      repository,
      tag,
      prerelease: release['prerelease'] === true,
      source: 'release',
    };
  }

  if (name === 'push') {
    const ref = stringAt(payload, 'ref');
    if (ref === undefined) return ignore('the push payload has no ref');
    if (!ref.startsWith(TAG_REF)) return ignore(`push of ${clip(ref)} is not a tag`);
    const tag = ref.slice(TAG_REF.length);
    if (tag === '') return ignore('the push names an empty tag');
    // A deleted tag arrives as a push too (deleted: true, after: 000...).
    if (payload['deleted'] === true) return ignore(`push deletes tag ${clip(tag)}`);
    return { kind: 'release', repository, tag, prerelease: false, source: 'push' };
  }

  const refType = stringAt(payload, 'ref_type');
  if (refType !== 'tag') return ignore(`create of a ${clip(refType ?? 'ref')} is not a tag`);
  const tag = stringAt(payload, 'ref');
  if (tag === undefined) return ignore('the create payload has no ref');
  return { kind: 'release', repository, tag, prerelease: false, source: 'create' };
}

function ignore(reason: string): GithubTrigger {
  return { kind: 'ignore', reason };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string at a path of object keys, or undefined. */
function stringAt(value: Record<string, unknown>, ...path: string[]): string | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return typeof current === 'string' && current.trim() !== '' ? current.trim() : undefined;
}

/** Payload text goes into answers and logs: never more than a short excerpt of it. */
function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
