/**
 * Lifecycle hooks: how services plug side work into an instance's life (Nomad's *_hook.go), one
 * file each on their side. `prestart` runs before every spawn and may add environment layers or
 * choose the binary; a failing prestart hook stops that start (event names the hook). The other
 * phases report failures as events and never block the instance. `stop` hooks must be idempotent.
 */
import type { ProcessConfig } from '../../config/index.js';
import type { ExitInfo } from '../driver/index.js';
import type { HookEventBody } from '../events/index.js';

export interface InstanceInfo {
  readonly process: ProcessConfig;
  readonly id: string;
  readonly index: number;
  readonly port: number;
}

export interface PrestartContext extends InstanceInfo {
  /** Layer 2 of the child's environment: the process's `.env` (secrets). */
  dotenv: Record<string, string>;
  /** Layer 4 additions: CERT_FILE, KEY_FILE, CA_FILE, TUNNEL_URL... */
  inject: Record<string, string>;
  /** The executable to run; starts as `binary_path`; a hook may point it at an installed release. */
  command: string | undefined;
  /** The release tag the instance will run, when known (injected as GOWINPROC_VERSION). */
  version: string | undefined;
  /** Records an event in this instance's log (names of changed secrets, warnings). */
  report(body: HookEventBody): void;
}

export interface LifecycleHook {
  readonly name: string;
  prestart?(ctx: PrestartContext): void | Promise<void>;
  poststart?(ctx: InstanceInfo & { pid: number }): void | Promise<void>;
  exited?(ctx: InstanceInfo & { exit: ExitInfo }): void | Promise<void>;
  stop?(ctx: InstanceInfo & { reason: string }): void | Promise<void>;
}

export type HookPhase = 'prestart' | 'poststart' | 'exited' | 'stop';
