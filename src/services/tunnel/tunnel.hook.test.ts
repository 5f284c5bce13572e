import { describe, expect, it } from 'vitest';
import type { PrestartContext } from '../../core/index.js';
import { tunnelHook } from './tunnel.hook.js';

function context(): PrestartContext {
  return {
    process: {} as PrestartContext['process'],
    id: 'api-0',
    index: 0,
    port: 5001,
    dotenv: {},
    inject: {},
    command: undefined,
    version: undefined,
    report: () => undefined,
  };
}

describe('tunnelHook', () => {
  it('injects TUNNEL_URL while a tunnel URL is up', async () => {
    const ctx = context();
    const hook = tunnelHook({ url: () => 'https://a-b-c-d.trycloudflare.com' });
    expect(hook.name).toBe('tunnel');
    await hook.prestart?.(ctx);
    expect(ctx.inject).toEqual({ TUNNEL_URL: 'https://a-b-c-d.trycloudflare.com' });
  });

  it('injects nothing without a URL', async () => {
    const ctx = context();
    await tunnelHook({ url: () => undefined }).prestart?.(ctx);
    expect(ctx.inject).toEqual({});
  });
});
