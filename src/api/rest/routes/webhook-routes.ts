/**
 * Webhooks into gowinproc (cloudflare.md §4, rest.md). Both routes are `public` in the table:
 * their callers (GitHub, the Cloudflare webhook worker) hold no API credential, and prove
 * themselves with `X-Hub-Signature-256`, the HMAC-SHA256 of the raw body with
 * `github.update_mode.webhook.secret`, checked over the bytes as received before anything is
 * parsed. /webhook/cloudflare also takes an operator credential instead (it is an update or a
 * rollback by name, which an operator may ask for anyway).
 *
 * The GitHub route's path is `app.updates.webhookSettings().path`, read when the table is built.
 * Its bodies may be up to 25 MiB (GitHub caps payloads there); every other route keeps 1 MiB.
 */
import { z } from 'zod';
import type { App } from '../../../app/index.js';
import {
  cloudflareWebhookRequest,
  githubWebhookTrigger,
  SIGNATURE_HEADER,
  verifyWebhookSignature,
} from '../../../app/index.js';
import { DaemonError } from '../../../shared/index.js';
import { route, withStatus, type HandlerInput } from '../route.js';
import { parseJsonBody } from '../router.js';

/** GitHub delivers payloads of up to 25 MB. */
export const WEBHOOK_MAX_BODY_BYTES = 25 * 1024 * 1024;
export const CLOUDFLARE_WEBHOOK_PATH = '/webhook/cloudflare';

/** One process's part in a release a webhook announced. */
export interface WebhookTriggeredUpdate {
  process: string;
  version: string;
  update_id?: string | undefined;
  /** Why no update started for this process (already current, update_in_progress, ...). */
  skipped?: string | undefined;
}

/**
 * What these routes need of `app.updates`: the app's UpdateUseCases provides it (App is a
 * WebhookApp); the narrow type lets tests hand in a recording stub.
 */
export interface WebhookUpdates {
  webhookSettings(): { enabled: boolean; secret: string | undefined; path: string };
  /** Updates every process whose repository is `repository` (case-insensitive) to `tag`. */
  triggerRelease(input: {
    repository: string;
    tag: string;
    prerelease: boolean;
    source: 'webhook';
  }): Promise<WebhookTriggeredUpdate[]>;
  update(
    name: string,
    options: { version?: string },
  ): Promise<{ process: string; update_id: string; target_version: string }>;
  rollback(
    name: string,
    options: { version?: string },
  ): Promise<{ process: string; rollback_id: string; to_version: string }>;
}

export interface WebhookApp {
  processes: Pick<App['processes'], 'status'>;
  updates: WebhookUpdates;
}

const SIGNATURE_NOTE =
  'No API credential: the caller is authenticated by `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw request body with `github.update_mode.webhook.secret`; a missing or wrong signature is 401 and nothing happens.';

const triggeredUpdateSchema = z.object({
  process: z.string(),
  version: z.string(),
  update_id: z.string().optional(),
  skipped: z.string().optional().meta({ description: 'Why no update started for this process' }),
});

const githubWebhookBody = z.looseObject({}).meta({
  description:
    'A GitHub webhook payload (X-GitHub-Event: release, push, create or ping), as JSON or as the form field `payload`',
});

const githubWebhookAnswer = z.object({
  message: z.string().meta({ description: '"updates started" (202), "pong" or "ignored" (200)' }),
  reason: z.string().optional().meta({ description: 'Why nothing started' }),
  updates: z.array(triggeredUpdateSchema).optional(),
});

const cloudflareWebhookBody = z.object({
  process_name: z.string().min(1).max(200),
  repository: z.string().max(200).optional(),
  version: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'Default: the latest (update) or the previous version (rollback)' }),
  action: z.enum(['update', 'rollback']),
});

const cloudflareWebhookAnswer = z.object({
  message: z.enum(['update triggered', 'rollback triggered']),
  process: z.string(),
  version: z.string(),
  update_id: z.string(),
});

type RawInput = HandlerInput<unknown, unknown, unknown>;

export function webhookRoutes(app: WebhookApp) {
  const githubPath = app.updates.webhookSettings().path;
  return [
    route({
      method: 'post',
      path: githubPath,
      summary:
        'GitHub webhook: a published release, a pushed or created tag updates every process of that repository; answers 202 with the updates started, 200 when nothing starts (ping, ignored)',
      role: 'public',
      signature: { header: 'X-Hub-Signature-256', description: SIGNATURE_NOTE },
      rawBody: { maxBytes: WEBHOOK_MAX_BODY_BYTES },
      status: 202,
      body: githubWebhookBody,
      response: githubWebhookAnswer,
      handler: (input: RawInput) => githubDelivery(app, input),
    }),
    route({
      method: 'post',
      path: CLOUDFLARE_WEBHOOK_PATH,
      summary:
        'Cloudflare webhook worker: update or roll back a process by name; answers 202 with the update id',
      role: 'public',
      signature: {
        header: 'X-Hub-Signature-256',
        description: SIGNATURE_NOTE,
        orRole: 'operator',
      },
      rawBody: { maxBytes: WEBHOOK_MAX_BODY_BYTES },
      status: 202,
      body: cloudflareWebhookBody,
      response: cloudflareWebhookAnswer,
      handler: (input: RawInput) => cloudflareCall(app, input),
    }),
  ];
}

async function githubDelivery(app: WebhookApp, input: RawInput): Promise<unknown> {
  const settings = app.updates.webhookSettings();
  if (!settings.enabled)
    throw new DaemonError(
      'not_found',
      'the webhook is disabled (github.update_mode.webhook.enabled: false)',
    );
  if (settings.secret === undefined || settings.secret === '')
    throw new DaemonError(
      'unauthenticated',
      'no webhook secret is configured (github.update_mode.webhook.secret): deliveries are refused',
    );
  const bytes = input.rawBody ?? Buffer.alloc(0);
  if (!verifyWebhookSignature(bytes, input.headers[SIGNATURE_HEADER], settings.secret))
    throw new DaemonError(
      'unauthenticated',
      'the X-Hub-Signature-256 header is missing, or does not match the body and the webhook secret',
    );
  const payload = parseJsonBody(githubWebhookBody, githubPayloadText(bytes, input.headers));
  const trigger = githubWebhookTrigger(input.headers['x-github-event'], payload);
  if (trigger.kind === 'ping') return withStatus(200, { message: 'pong' });
  if (trigger.kind === 'ignore')
    return withStatus(200, { message: 'ignored', reason: trigger.reason });
  const updates = await app.updates.triggerRelease({
    repository: trigger.repository,
    tag: trigger.tag,
    prerelease: trigger.prerelease,
    source: 'webhook',
  });
  if (updates.some((update) => update.skipped === undefined))
    return withStatus(202, { message: 'updates started', updates });
  const reason =
    updates.length === 0
      ? `no process has the repository ${trigger.repository}`
      : `no update started: ${updates.map((u) => `${u.process}: ${u.skipped}`).join('; ')}`;
  return withStatus(200, { message: 'ignored', reason, updates });
}

/** GitHub sends JSON, or (content type application/x-www-form-urlencoded) a `payload` field. */
function githubPayloadText(bytes: Buffer, headers: RawInput['headers']): string {
  const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return bytes.toString('utf8');
  const payload = new URLSearchParams(bytes.toString('utf8')).get('payload');
  if (payload === null)
    throw new DaemonError('invalid_argument', 'invalid request: the form has no payload field');
  return payload;
}

async function cloudflareCall(app: WebhookApp, input: RawInput): Promise<unknown> {
  const bytes = input.rawBody ?? Buffer.alloc(0);
  await authenticateCloudflareCall(app, bytes, input);
  const request = cloudflareWebhookRequest(parseJsonBody(z.unknown(), bytes));
  app.processes.status(request.process); // 404 process_not_found for an unknown name
  const options = request.version !== undefined ? { version: request.version } : {};
  if (request.action === 'update') {
    const started = await app.updates.update(request.process, options);
    return withStatus(202, {
      message: 'update triggered',
      process: started.process,
      version: started.target_version,
      update_id: started.update_id,
    });
  }
  const started = await app.updates.rollback(request.process, options);
  return withStatus(202, {
    message: 'rollback triggered',
    process: started.process,
    version: started.to_version,
    update_id: started.rollback_id,
  });
}

/**
 * A valid signature (while the webhook is enabled with a secret), or else a credential with the
 * operator role: the router's check, with its rate limit on failures.
 */
async function authenticateCloudflareCall(
  app: WebhookApp,
  bytes: Buffer,
  input: RawInput,
): Promise<void> {
  const settings = app.updates.webhookSettings();
  const header = input.headers[SIGNATURE_HEADER];
  if (settings.enabled && settings.secret && verifyWebhookSignature(bytes, header, settings.secret))
    return;
  try {
    await input.authorize('operator');
  } catch (error) {
    if (!(error instanceof DaemonError) || error.code !== 'unauthenticated') throw error;
    const signature =
      header === undefined
        ? 'no X-Hub-Signature-256 header'
        : settings.enabled && settings.secret
          ? 'the X-Hub-Signature-256 does not match the body and the webhook secret'
          : 'X-Hub-Signature-256 is not accepted: the webhook is disabled or has no secret';
    throw new DaemonError(
      'unauthenticated',
      `${signature}, and no operator credential: ${error.message}`,
      { cause: error },
    );
  }
}
