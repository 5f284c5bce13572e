/** Tells each process the tunnel's public URL (TUNNEL_URL) when a tunnel is up at its start. */
import type { LifecycleHook } from '../../core/index.js';

export function tunnelHook(runner: { url(): string | undefined }): LifecycleHook {
  return {
    name: 'tunnel',
    prestart(ctx) {
      const url = runner.url();
      if (url !== undefined) ctx.inject['TUNNEL_URL'] = url;
    },
  };
}
