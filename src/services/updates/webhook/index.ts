/** Webhooks into gowinproc (cloudflare.md §4): the signature check and what each payload asks. */
export { SIGNATURE_HEADER, verifyWebhookSignature, webhookSignature } from './signature.js';
export { githubWebhookTrigger, type GithubTrigger } from './github-trigger.js';
export { cloudflareWebhookRequest, type CloudflareWebhookRequest } from './cloudflare-request.js';
