/**
 * jose, loaded when the first JWT arrives: a daemon that takes only API keys (most do) never
 * carries it in memory.
 */
import type * as JoseModule from 'jose';

let loading: Promise<typeof JoseModule> | undefined;

export function loadJose(): Promise<typeof JoseModule> {
  loading ??= import('jose');
  return loading;
}
