/** The `secrets` prestart hook: fills layer 2 of the child's environment from the `.env`. */
import type { LifecycleHook } from '../../core/index.js';
import type { SecretsService } from './secrets-service.js';

export function secretsHook(service: SecretsService): LifecycleHook {
  return {
    name: 'secrets',
    async prestart(ctx) {
      ctx.dotenv = await service.envFor(ctx.process, (body) => ctx.report(body));
    },
  };
}
