/**
 * How a process tree is stopped, per OS, as a plan of steps (pure), and the executor that runs a
 * plan with injected effects. POSIX: the stop signal to the process group, then SIGKILL to the
 * group after the timeout. Windows: the optional HTTP shutdown endpoint, then `taskkill /T`, then
 * `taskkill /T /F`.
 */
import type { Platform } from '../../shared/index.js';
import type { StopRequest } from './types.js';

export type StopStep =
  | { kind: 'signal-group'; signal: string }
  | { kind: 'http-post'; url: string }
  | { kind: 'exec'; file: string; args: string[] }
  | { kind: 'wait-exit'; ms: number };

export function planStop(platform: Platform, pid: number, request: StopRequest): StopStep[] {
  if (platform === 'win32') {
    const steps: StopStep[] = [];
    let graceMs = request.timeoutMs;
    if (request.httpEndpoint !== undefined && request.port !== undefined) {
      const path = request.httpEndpoint.startsWith('/')
        ? request.httpEndpoint
        : `/${request.httpEndpoint}`;
      graceMs = Math.floor(request.timeoutMs / 2);
      steps.push({ kind: 'http-post', url: `http://127.0.0.1:${request.port}${path}` });
      steps.push({ kind: 'wait-exit', ms: request.timeoutMs - graceMs });
    }
    steps.push({ kind: 'exec', file: 'taskkill', args: ['/PID', String(pid), '/T'] });
    steps.push({ kind: 'wait-exit', ms: graceMs });
    steps.push({ kind: 'exec', file: 'taskkill', args: ['/PID', String(pid), '/T', '/F'] });
    steps.push({ kind: 'wait-exit', ms: 5000 });
    return steps;
  }
  return [
    { kind: 'signal-group', signal: request.signal },
    { kind: 'wait-exit', ms: request.timeoutMs },
    { kind: 'signal-group', signal: 'SIGKILL' },
    { kind: 'wait-exit', ms: 5000 },
  ];
}

export interface StopEffects {
  signalGroup(signal: string): void;
  httpPost(url: string): Promise<void>;
  exec(file: string, args: string[]): Promise<void>;
  /** Resolves true once the tree is gone, false when ms pass first. */
  waitExit(ms: number): Promise<boolean>;
}

/** Runs the steps until the tree is gone; returns the steps that ran (for events and tests). */
export async function executeStopPlan(
  steps: StopStep[],
  effects: StopEffects,
): Promise<StopStep[]> {
  const ran: StopStep[] = [];
  for (const step of steps) {
    ran.push(step);
    switch (step.kind) {
      case 'signal-group':
        effects.signalGroup(step.signal);
        break;
      case 'http-post':
        await effects.httpPost(step.url).catch(() => undefined);
        break;
      case 'exec':
        await effects.exec(step.file, step.args).catch(() => undefined);
        break;
      case 'wait-exit':
        if (await effects.waitExit(step.ms)) return ran;
        break;
    }
  }
  return ran;
}
