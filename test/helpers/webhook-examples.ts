/**
 * GitHub's published example webhook payloads (@octokit/webhooks-examples), for tests of the
 * webhook parsing, the routes and the daemon end to end.
 */
import { createRequire } from 'node:module';

export type WebhookPayload = Record<string, unknown>;

interface ExampleGroup {
  name: string;
  examples: WebhookPayload[];
}

const EXAMPLES = createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleGroup[];

/** Every example of `event` matching `where` (none: an empty list). */
export function githubExamples(
  event: string,
  where: (payload: WebhookPayload) => boolean = () => true,
): WebhookPayload[] {
  return EXAMPLES.find((group) => group.name === event)?.examples.filter(where) ?? [];
}

/** The first example of `event` matching `where`; throws when there is none. */
export function githubExample(
  event: string,
  where: (payload: WebhookPayload) => boolean = () => true,
): WebhookPayload {
  const found = githubExamples(event, where)[0];
  if (!found) throw new Error(`@octokit/webhooks-examples has no matching ${event} example`);
  return found;
}

/** A deep copy of `payload` as if it came from `repository` (owner/name) about `tag`. */
export function retarget(
  payload: WebhookPayload,
  repository: string,
  tag?: string,
): WebhookPayload {
  const copy = structuredClone(payload);
  const repo = copy['repository'] as Record<string, unknown>;
  repo['full_name'] = repository;
  repo['name'] = repository.split('/')[1];
  if (tag !== undefined) {
    if (copy['release']) (copy['release'] as Record<string, unknown>)['tag_name'] = tag;
    if (typeof copy['ref'] === 'string')
      copy['ref'] = (copy['ref'] as string).startsWith('refs/') ? `refs/tags/${tag}` : tag;
  }
  return copy;
}
