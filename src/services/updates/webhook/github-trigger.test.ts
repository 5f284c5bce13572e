import { describe, expect, it } from 'vitest';
import { githubExamples } from '../../../../test/helpers/webhook-examples.js';
import { githubWebhookTrigger } from './github-trigger.js';

// GitHub's published example payloads (the octokit/webhooks project).
function examplesOf(event: string, where: (p: Record<string, unknown>) => boolean = () => true) {
  const found = githubExamples(event, where);
  expect(found.length, `examples of ${event}`).toBeGreaterThan(0);
  return found;
}
const withAction = (action: string) => (p: Record<string, unknown>) => p['action'] === action;
const release = (p: Record<string, unknown>) => p['release'] as Record<string, unknown>;

describe('githubWebhookTrigger with GitHub example payloads', () => {
  it('turns published and released releases into a release trigger', () => {
    for (const action of ['published', 'released'])
      for (const payload of examplesOf('release', withAction(action)))
        expect(githubWebhookTrigger('release', payload)).toEqual({
          kind: 'release',
          repository: 'Codertocat/Hello-World',
          tag: release(payload)['tag_name'],
          prerelease: release(payload)['prerelease'],
          source: 'release',
        });
  });

  it('carries the pre-release flag of a published pre-release', () => {
    const payload = structuredClone(examplesOf('release', withAction('published'))[0]!);
    release(payload)['prerelease'] = true;
    expect(githubWebhookTrigger('release', payload)).toMatchObject({
      kind: 'release',
      prerelease: true,
    });
  });

  it('ignores drafts and the other release actions, naming the action', () => {
    const draft = structuredClone(examplesOf('release', withAction('published'))[0]!);
    release(draft)['draft'] = true;
    expect(githubWebhookTrigger('release', draft)).toEqual({
      kind: 'ignore',
      reason: 'release 0.0.1 is a draft',
    });
    for (const action of ['prereleased', 'created', 'deleted', 'edited'])
      for (const payload of examplesOf('release', withAction(action)))
        expect(githubWebhookTrigger('release', payload)).toEqual({
          kind: 'ignore',
          reason: `release action "${action}" does not trigger updates (only published and released)`,
        });
  });

  it('turns a push of a tag into a release trigger, and ignores deleted tags and branches', () => {
    const tagPushes = examplesOf('push', (p) => p['ref'] === 'refs/tags/simple-tag');
    const created = tagPushes.filter((p) => p['deleted'] === false);
    const deleted = tagPushes.filter((p) => p['deleted'] === true);
    expect(created.length).toBeGreaterThan(0);
    expect(deleted.length).toBeGreaterThan(0);
    for (const payload of created)
      expect(githubWebhookTrigger('push', payload)).toEqual({
        kind: 'release',
        repository: 'Codertocat/Hello-World',
        tag: 'simple-tag',
        prerelease: false,
        source: 'push',
      });
    for (const payload of deleted)
      expect(githubWebhookTrigger('push', payload)).toEqual({
        kind: 'ignore',
        reason: 'push deletes tag simple-tag',
      });
    for (const payload of examplesOf('push', (p) => p['ref'] === 'refs/heads/master'))
      expect(githubWebhookTrigger('push', payload)).toEqual({
        kind: 'ignore',
        reason: 'push of refs/heads/master is not a tag',
      });
  });

  it('turns a created tag into a release trigger, and ignores a created branch', () => {
    for (const payload of examplesOf('create'))
      expect(githubWebhookTrigger('create', payload)).toEqual({
        kind: 'release',
        repository: 'Codertocat/Hello-World',
        tag: 'simple-tag',
        prerelease: false,
        source: 'create',
      });
    const branch = { ...examplesOf('create')[0]!, ref: 'feature', ref_type: 'branch' };
    expect(githubWebhookTrigger('create', branch)).toEqual({
      kind: 'ignore',
      reason: 'create of a branch is not a tag',
    });
  });

  it('answers ping, also for an organization hook without a repository', () => {
    for (const payload of examplesOf('ping'))
      expect(githubWebhookTrigger('ping', payload)).toEqual({ kind: 'ping' });
  });

  it('ignores other events naming them, and deliveries without an event', () => {
    for (const payload of examplesOf('issues'))
      expect(githubWebhookTrigger('issues', payload)).toEqual({
        kind: 'ignore',
        reason:
          'GitHub event "issues" does not trigger updates (only release, push of a tag, create of a tag)',
      });
    expect(githubWebhookTrigger(undefined, {})).toEqual({
      kind: 'ignore',
      reason: 'the request has no X-GitHub-Event header',
    });
    expect(
      githubWebhookTrigger('Release', examplesOf('release', withAction('released'))[0]),
    ).toMatchObject({
      kind: 'release',
    });
  });

  it('ignores payloads without what the event needs, and never echoes long text', () => {
    expect(githubWebhookTrigger('push', [])).toEqual({
      kind: 'ignore',
      reason: 'the push payload is not a JSON object',
    });
    expect(githubWebhookTrigger('push', { ref: 'refs/tags/v1' })).toEqual({
      kind: 'ignore',
      reason: 'the push payload has no repository.full_name',
    });
    expect(
      githubWebhookTrigger('release', { action: 'published', repository: { full_name: 'o/r' } }),
    ).toEqual({ kind: 'ignore', reason: 'the release payload has no release object' });
    expect(
      githubWebhookTrigger('release', {
        action: 'published',
        repository: { full_name: 'o/r' },
        release: { tag_name: '' },
      }),
    ).toEqual({ kind: 'ignore', reason: 'the release payload has no release.tag_name' });
    expect(
      githubWebhookTrigger('push', { ref: 'refs/tags/', repository: { full_name: 'o/r' } }),
    ).toEqual({ kind: 'ignore', reason: 'the push names an empty tag' });
    const long = githubWebhookTrigger('x'.repeat(5000), {});
    expect(long.kind === 'ignore' && long.reason.length).toBeLessThan(200);
  });
});
