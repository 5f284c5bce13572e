/**
 * The environment of a managed child (../shared/spec/child.md), lowest precedence first:
 * 1. the daemon's own environment, 2. the process's `.env`, 3. the config's `env`,
 * 4. what gowinproc injects (PROCESS_NAME, ports, INSTANCE_ID/INDEX, certificates, version, tunnel).
 * Windows treats names case-insensitively (`Path` and `PATH` are one variable): a later layer
 * replaces an earlier one whatever its case.
 */
import type { Platform } from '../../shared/index.js';

export interface EnvLayers {
  daemon: Readonly<Record<string, string | undefined>>;
  dotenv: Readonly<Record<string, string>>;
  config: Readonly<Record<string, string>>;
  injected: Readonly<Record<string, string>>;
}

export function buildChildEnv(layers: EnvLayers, platform: Platform): Record<string, string> {
  const env: Record<string, string> = {};
  const caseless = platform === 'win32';
  const index = new Map<string, string>(); // upper-case name -> the name stored in env
  for (const layer of [layers.daemon, layers.dotenv, layers.config, layers.injected]) {
    for (const [name, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (caseless) {
        const existing = index.get(name.toUpperCase());
        if (existing !== undefined && existing !== name) delete env[existing];
        index.set(name.toUpperCase(), name);
      }
      env[name] = value;
    }
  }
  return env;
}

export interface InjectedVars {
  processName: string;
  port: number;
  instanceId: string;
  instanceIndex: number;
  version?: string | undefined;
  extra: Readonly<Record<string, string>>;
}

/** Layer 4: the variables gowinproc sets for every instance, plus the hooks' additions. */
export function injectedEnv(vars: InjectedVars): Record<string, string> {
  return {
    ...vars.extra,
    PROCESS_NAME: vars.processName,
    PROCESS_PORT: String(vars.port),
    GRPC_PORT: String(vars.port),
    PORT: String(vars.port),
    INSTANCE_ID: vars.instanceId,
    INSTANCE_INDEX: String(vars.instanceIndex),
    ...(vars.version === undefined ? {} : { GOWINPROC_VERSION: vars.version }),
  };
}
