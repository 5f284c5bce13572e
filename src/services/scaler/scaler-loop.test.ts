import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../shared/index.js';
import { DECISIONS_KEPT, ScalerLoop, type ScalerLoopDeps } from './scaler-loop.js';
import type { ScaleDecision, ScalePolicy, ScaleSignals, ScalerTarget } from './types.js';

const INTERVAL = 1000;

const POLICY: ScalePolicy = {
  minInstances: 1,
  maxInstances: 8,
  targets: { cpuPercent: 80 },
  tolerance: 0.1,
  sustainMs: 0,
  cooldownMs: 10_000,
  upStabilizationMs: 0,
  downStabilizationMs: 0,
  upStep: 4,
  downStep: 1,
};

/** A scripted supervisor: processes whose instance counts `apply` changes. */
class FakeSupervisor {
  readonly processes = new Map<string, ScalerTarget>();
  readonly signalsOf = new Map<string, ScaleSignals>();
  readonly applied: Array<{ name: string; decision: ScaleDecision }> = [];
  readonly reported: Array<{ name: string; decision: ScaleDecision }> = [];
  signalReads = 0;
  /** When set, apply waits for this before it takes effect. */
  gate: Promise<void> | undefined;
  failWith: Error | undefined;

  add(name: string, current: number, cpu: number | undefined, policy = POLICY): void {
    this.processes.set(name, { name, policy, current, ready: current, busy: false });
    this.signalsOf.set(name, { cpuPercent: cpu });
  }

  setCpu(name: string, cpu: number | undefined): void {
    this.signalsOf.set(name, { cpuPercent: cpu });
  }

  deps(clock: FakeClock): ScalerLoopDeps {
    return {
      clock,
      intervalMs: INTERVAL,
      targets: () => [...this.processes.values()].map((p) => ({ ...p })),
      signals: (name) => {
        this.signalReads++;
        return this.signalsOf.get(name) ?? {};
      },
      apply: async (name, decision) => {
        this.applied.push({ name, decision });
        if (this.gate) await this.gate;
        if (this.failWith) throw this.failWith;
        const process = this.processes.get(name);
        if (process) {
          process.current = decision.to;
          process.ready = decision.to;
        }
      },
      onDecision: (name, decision) => this.reported.push({ name, decision }),
    };
  }
}

function setup() {
  const clock = new FakeClock();
  const supervisor = new FakeSupervisor();
  const loop = new ScalerLoop(supervisor.deps(clock));
  return { clock, supervisor, loop };
}

const summary = (decisions: readonly ScaleDecision[]) =>
  decisions.map((d) => `${d.action}:${d.held ?? ''}:${d.from}→${d.to}`);

describe('ScalerLoop', () => {
  it('ticks every interval once started, applies actions and stops cleanly', async () => {
    const { clock, supervisor, loop } = setup();
    supervisor.add('api', 2, 240);
    loop.start();
    loop.start(); // idempotent: still one timer
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(INTERVAL);
    expect(supervisor.applied.map((a) => [a.name, a.decision.to])).toEqual([['api', 6]]);
    expect(supervisor.processes.get('api')!.current).toBe(6);
    const decision = supervisor.applied[0]!.decision;
    expect(decision.at).toBe(clock.now());
    expect(decision.reason).toBe(
      'cpu 240% of one core per instance against a target of 80%: 2 → 6',
    );
    await clock.advance(INTERVAL * 3);
    expect(supervisor.signalReads).toBe(4);
    loop.stop();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(INTERVAL * 5);
    expect(supervisor.signalReads).toBe(4);
  });

  it('reports actions and changes of what holds it back, not every idle tick', async () => {
    const { supervisor, loop } = setup();
    supervisor.add('api', 2, 80);
    for (let i = 0; i < 5; i++) await loop.tick(); // on target: reported once
    supervisor.setCpu('api', undefined);
    for (let i = 0; i < 3; i++) await loop.tick(); // unknown: once
    supervisor.setCpu('api', 160);
    await loop.tick(); // 2 → 4
    for (let i = 0; i < 3; i++) await loop.tick(); // cooldown: once
    expect(summary(supervisor.reported.map((r) => r.decision))).toEqual([
      'none:tolerance:2→2',
      'none:no_signal:2→2',
      'scale_up::2→4',
      'none:cooldown:4→4',
    ]);
    expect(summary(loop.decisions('api'))).toEqual(
      summary(supervisor.reported.map((r) => r.decision)),
    );
    expect(loop.state('api')?.lastDecision?.held).toBe('cooldown');
  });

  it('keeps ticking during a slow action, skipping only that process; tick() waits for it', async () => {
    const { clock, supervisor, loop } = setup();
    supervisor.add('api', 2, 240);
    let open!: () => void;
    supervisor.gate = new Promise((resolve) => (open = resolve));
    loop.start();
    await clock.advance(INTERVAL);
    const joined = loop.tick();
    await clock.advance(INTERVAL * 10);
    // The loop went on (its timer is armed), but api was not evaluated again meanwhile.
    expect(clock.pendingTimers).toBe(1);
    expect(supervisor.signalReads).toBe(1);
    expect(supervisor.applied).toHaveLength(1);
    open();
    await joined;
    expect(supervisor.processes.get('api')!.current).toBe(6);
    await clock.advance(INTERVAL);
    expect(supervisor.signalReads).toBe(2);
    loop.stop();
  });

  it('a failing apply becomes a decision with the error, and the loop goes on', async () => {
    const { clock, supervisor, loop } = setup();
    supervisor.add('api', 2, 240);
    supervisor.failWith = new Error('no free port in 7000-7001');
    loop.start();
    await clock.advance(INTERVAL);
    const failed = supervisor.reported.at(-1)!.decision;
    expect(failed).toMatchObject({
      action: 'scale_up',
      from: 2,
      to: 6,
      error: 'no free port in 7000-7001',
    });
    expect(failed.reason).toMatch(/: 2 → 6; applying it failed: no free port in 7000-7001$/);
    expect(loop.state('api')?.lastDecision).toEqual(failed);
    // the failed action still starts the cooldown: no retry every tick
    await clock.advance(POLICY.cooldownMs - INTERVAL);
    expect(supervisor.applied).toHaveLength(1);
    supervisor.failWith = undefined;
    await clock.advance(INTERVAL);
    expect(supervisor.applied).toHaveLength(2);
    expect(supervisor.processes.get('api')!.current).toBe(6);
    loop.stop();
  });

  it('skips busy targets and forgets the history of processes that leave', async () => {
    const { supervisor, loop } = setup();
    supervisor.add('api', 2, 240);
    supervisor.add('worker', 1, 80);
    supervisor.processes.get('api')!.busy = true;
    await loop.tick();
    expect(supervisor.signalReads).toBe(1);
    expect(loop.state('api')).toBeUndefined();
    expect(loop.state('worker')?.history.recommendations).toHaveLength(1);

    supervisor.processes.get('api')!.busy = false;
    await loop.tick();
    expect(loop.state('api')?.history.lastScaleAt).toBeDefined();
    supervisor.processes.delete('api');
    await loop.tick();
    expect(loop.state('api')).toBeUndefined();
    expect(loop.decisions('api')).toEqual([]);

    supervisor.add('api', 6, 240);
    await loop.tick(); // no memory of the last action: no cooldown
    expect(supervisor.applied.map((a) => a.decision.to)).toEqual([6, 8]);
  });

  it('keeps the last 50 reported decisions, newest last', async () => {
    const { clock, supervisor, loop } = setup();
    supervisor.add('api', 2, 80);
    for (let i = 0; i < DECISIONS_KEPT + 10; i++) {
      supervisor.setCpu('api', i % 2 === 0 ? 80 : undefined); // alternate holds: each one reported
      await loop.tick();
      await clock.advance(INTERVAL);
    }
    const kept = loop.decisions('api');
    expect(kept).toHaveLength(DECISIONS_KEPT);
    expect(kept.at(-1)!.at).toBe(clock.now() - INTERVAL);
    expect(kept[0]!.at).toBe(kept.at(-1)!.at - (DECISIONS_KEPT - 1) * INTERVAL);
  });

  it('survives throwing dependencies', async () => {
    const clock = new FakeClock();
    const supervisor = new FakeSupervisor();
    supervisor.add('api', 2, 240);
    let targetsFail = true;
    const deps = supervisor.deps(clock);
    const loop = new ScalerLoop({
      ...deps,
      targets: () => {
        if (targetsFail) throw new Error('supervisor busy');
        return deps.targets();
      },
      signals: () => {
        throw new Error('metrics store closed');
      },
      onDecision: () => {
        throw new Error('listener broke');
      },
    });
    await expect(loop.tick()).resolves.toBeUndefined();
    targetsFail = false;
    await expect(loop.tick()).resolves.toBeUndefined();
    expect(loop.decisions('api').map((d) => d.held)).toEqual(['no_signal']);
  });
});
