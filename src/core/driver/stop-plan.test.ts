import { describe, expect, it } from 'vitest';
import { executeStopPlan, planStop, type StopEffects, type StopStep } from './stop-plan.js';

describe('planStop on POSIX', () => {
  it.each(['linux', 'darwin', 'other-posix'] as const)(
    '%s: the stop signal to the group, wait the timeout, SIGKILL to the group, wait',
    (platform) => {
      expect(planStop(platform, 1234, { signal: 'SIGTERM', timeoutMs: 10_000 })).toEqual([
        { kind: 'signal-group', signal: 'SIGTERM' },
        { kind: 'wait-exit', ms: 10_000 },
        { kind: 'signal-group', signal: 'SIGKILL' },
        { kind: 'wait-exit', ms: 5000 },
      ]);
    },
  );

  it('uses the configured signal and ignores http_endpoint', () => {
    const steps = planStop('linux', 1234, {
      signal: 'SIGINT',
      timeoutMs: 3000,
      httpEndpoint: '/shutdown',
      port: 8080,
    });
    expect(steps).toEqual([
      { kind: 'signal-group', signal: 'SIGINT' },
      { kind: 'wait-exit', ms: 3000 },
      { kind: 'signal-group', signal: 'SIGKILL' },
      { kind: 'wait-exit', ms: 5000 },
    ]);
  });
});

describe('planStop on Windows', () => {
  it('without http_endpoint: taskkill /T, wait the timeout, taskkill /T /F, wait', () => {
    expect(planStop('win32', 4321, { signal: 'SIGTERM', timeoutMs: 10_000 })).toEqual([
      { kind: 'exec', file: 'taskkill', args: ['/PID', '4321', '/T'] },
      { kind: 'wait-exit', ms: 10_000 },
      { kind: 'exec', file: 'taskkill', args: ['/PID', '4321', '/T', '/F'] },
      { kind: 'wait-exit', ms: 5000 },
    ]);
  });

  it('with http_endpoint: POST it first, splitting the timeout between it and taskkill', () => {
    const steps = planStop('win32', 4321, {
      signal: 'SIGTERM',
      timeoutMs: 10_000,
      httpEndpoint: '/shutdown',
      port: 50051,
    });
    expect(steps).toEqual([
      { kind: 'http-post', url: 'http://127.0.0.1:50051/shutdown' },
      { kind: 'wait-exit', ms: 5000 },
      { kind: 'exec', file: 'taskkill', args: ['/PID', '4321', '/T'] },
      { kind: 'wait-exit', ms: 5000 },
      { kind: 'exec', file: 'taskkill', args: ['/PID', '4321', '/T', '/F'] },
      { kind: 'wait-exit', ms: 5000 },
    ]);
  });

  it('an odd timeout is split without losing a millisecond', () => {
    const steps = planStop('win32', 1, {
      signal: 'SIGTERM',
      timeoutMs: 1001,
      httpEndpoint: 'shutdown',
      port: 80,
    });
    expect(steps[0]).toEqual({ kind: 'http-post', url: 'http://127.0.0.1:80/shutdown' });
    const waits = steps.filter((s) => s.kind === 'wait-exit').map((s) => s.ms);
    expect(waits).toEqual([501, 500, 5000]);
  });

  it('skips the HTTP step when the instance has no port', () => {
    const steps = planStop('win32', 7, {
      signal: 'SIGTERM',
      timeoutMs: 2000,
      httpEndpoint: '/shutdown',
    });
    expect(steps.map((s) => s.kind)).toEqual(['exec', 'wait-exit', 'exec', 'wait-exit']);
    expect(steps[1]).toEqual({ kind: 'wait-exit', ms: 2000 });
  });
});

/** Effects that record calls; waitExit answers from a script (true = the tree is gone). */
function fakeEffects(exits: boolean[], failures: { http?: boolean; exec?: boolean } = {}) {
  const calls: string[] = [];
  const effects: StopEffects = {
    signalGroup: (signal) => void calls.push(`signal ${signal}`),
    httpPost: (url) => {
      calls.push(`post ${url}`);
      return failures.http ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve();
    },
    exec: (file, args) => {
      calls.push(`exec ${file} ${args.join(' ')}`);
      return failures.exec ? Promise.reject(new Error('taskkill failed')) : Promise.resolve();
    },
    waitExit: (ms) => {
      calls.push(`wait ${ms}`);
      return Promise.resolve(exits.shift() ?? false);
    },
  };
  return { effects, calls };
}

describe('executeStopPlan', () => {
  const posix = planStop('linux', 1, { signal: 'SIGTERM', timeoutMs: 10_000 });
  const windows = planStop('win32', 9, {
    signal: 'SIGTERM',
    timeoutMs: 4000,
    httpEndpoint: '/shutdown',
    port: 8080,
  });

  it('stops at the first wait that sees the tree gone', async () => {
    const { effects, calls } = fakeEffects([true]);
    const ran = await executeStopPlan(posix, effects);
    expect(calls).toEqual(['signal SIGTERM', 'wait 10000']);
    expect(ran).toEqual(posix.slice(0, 2));
  });

  it('escalates when the graceful stop times out', async () => {
    const { effects, calls } = fakeEffects([false, true]);
    const ran = await executeStopPlan(posix, effects);
    expect(calls).toEqual(['signal SIGTERM', 'wait 10000', 'signal SIGKILL', 'wait 5000']);
    expect(ran).toEqual(posix);
  });

  it('runs every step and returns them all when the tree never goes', async () => {
    const { effects } = fakeEffects([]);
    expect(await executeStopPlan(windows, effects)).toEqual(windows);
  });

  it('on Windows stops after the HTTP shutdown when the process exits', async () => {
    const { effects, calls } = fakeEffects([true]);
    await executeStopPlan(windows, effects);
    expect(calls).toEqual(['post http://127.0.0.1:8080/shutdown', 'wait 2000']);
  });

  it('on Windows goes on to taskkill /T, then /T /F', async () => {
    const { effects, calls } = fakeEffects([false, false, true]);
    await executeStopPlan(windows, effects);
    expect(calls).toEqual([
      'post http://127.0.0.1:8080/shutdown',
      'wait 2000',
      'exec taskkill /PID 9 /T',
      'wait 2000',
      'exec taskkill /PID 9 /T /F',
      'wait 5000',
    ]);
  });

  it('swallows errors from the HTTP call and from exec and goes on', async () => {
    const { effects, calls } = fakeEffects([false, false, true], { http: true, exec: true });
    const ran = await executeStopPlan(windows, effects);
    expect(ran).toEqual(windows);
    expect(calls.filter((c) => c.startsWith('exec'))).toHaveLength(2);
  });

  it('an empty plan runs nothing', async () => {
    const { effects, calls } = fakeEffects([]);
    expect(await executeStopPlan([] as StopStep[], effects)).toEqual([]);
    expect(calls).toEqual([]);
  });
});
