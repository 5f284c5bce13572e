/**
 * Running the lifecycle hooks for one instance. A failing prestart hook stops the start (the
 * error names the hook and keeps the hook's own code, e.g. secrets_missing or
 * cloudflare_unavailable, else hook_failed); failures in the other phases are reported and never
 * block the instance.
 */
import { DaemonError } from '../../shared/index.js';
import type { HookPhase, InstanceInfo, LifecycleHook, PrestartContext } from './hooks.js';

export type HookFailure = (hook: string, phase: HookPhase, message: string) => void;

export async function runPrestartHooks(
  hooks: readonly LifecycleHook[],
  ctx: PrestartContext,
  onFailure: HookFailure,
): Promise<void> {
  for (const hook of hooks) {
    if (!hook.prestart) continue;
    try {
      await hook.prestart(ctx);
    } catch (error) {
      const message = messageOf(error);
      onFailure(hook.name, 'prestart', message);
      const code = error instanceof DaemonError ? error.code : 'hook_failed';
      throw new DaemonError(code, `prestart hook "${hook.name}" failed: ${message}`, {
        cause: error,
        details: { hook: hook.name },
      });
    }
  }
}

export async function runHooks(
  hooks: readonly LifecycleHook[],
  phase: Exclude<HookPhase, 'prestart'>,
  ctx: InstanceInfo & Record<string, unknown>,
  onFailure: HookFailure,
): Promise<void> {
  for (const hook of hooks) {
    const fn = hook[phase] as ((ctx: unknown) => void | Promise<void>) | undefined;
    if (!fn) continue;
    try {
      await fn.call(hook, ctx);
    } catch (error) {
      onFailure(hook.name, phase, messageOf(error));
    }
  }
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
