/**
 * The thin loop around planScale: every `intervalMs` it reads each scaled process's signals,
 * plans, and applies actions through the lead's `apply` (the supervisor: start instances, or
 * drain and stop them).
 *
 * - One tick at a time: the next is scheduled when the previous one (its applies included) has
 *   finished, and `tick()` during a tick joins it instead of overlapping it.
 * - A failing apply becomes a decision carrying the error; the history still counts the action,
 *   so a retry waits for the cooldown instead of hammering the supervisor every tick.
 * - History lives per process and is forgotten when the process leaves `targets()`.
 * - `onDecision` hears actions and changes of what holds the scaler back, not every idle tick.
 */
import type { CancelTimer, Clock } from '../../shared/index.js';
import { EMPTY_SCALE_HISTORY, planScale } from './plan-scale.js';
import type { ScaleDecision, ScaleHistory, ScaleSignals, ScalerTarget } from './types.js';

export interface ScalerLoopDeps {
  clock: Clock;
  intervalMs: number;
  /** Processes with scaling enabled. */
  targets(): ScalerTarget[];
  signals(name: string): ScaleSignals;
  /** Carries out an action (scale-in drains before it stops). */
  apply(name: string, decision: ScaleDecision): Promise<void>;
  /** Actions, failed applies, and changes of `held` (not every idle tick). */
  onDecision(name: string, decision: ScaleDecision): void;
}

export interface ScalerState {
  lastDecision?: ScaleDecision;
  history: ScaleHistory;
}

/** How many reported decisions each process keeps for the API. */
export const DECISIONS_KEPT = 50;

interface TargetState {
  history: ScaleHistory;
  lastDecision: ScaleDecision | undefined;
  /** Reported decisions, newest last. */
  decisions: ScaleDecision[];
}

export class ScalerLoop {
  private readonly states = new Map<string, TargetState>();
  private running: Promise<void> | undefined;
  /** Actions still running, by process (such a process is not evaluated until it ends). */
  private readonly applying = new Map<string, Promise<void>>();
  private cancelTimer: CancelTimer | undefined;
  private started = false;

  constructor(private readonly deps: ScalerLoopDeps) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.scheduleNext();
  }

  /** Stops scheduling ticks; a tick already running finishes. */
  stop(): void {
    this.started = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /**
   * One evaluation of every target (joining the running one if there is one), and then the
   * actions it started. The loop itself does not wait for actions: a process whose action is
   * still running (a scale-in waits for drains) is skipped, and the others are evaluated on time.
   */
  async tick(): Promise<void> {
    await this.evaluateOnce();
    await Promise.all(this.applying.values());
  }

  private evaluateOnce(): Promise<void> {
    this.running ??= this.evaluate().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The last reported decisions (actions and holds) of a process, newest last. */
  decisions(name: string): readonly ScaleDecision[] {
    return this.states.get(name)?.decisions.slice() ?? [];
  }

  state(name: string): ScalerState | undefined {
    const state = this.states.get(name);
    if (!state) return undefined;
    return state.lastDecision
      ? { lastDecision: state.lastDecision, history: state.history }
      : { history: state.history };
  }

  private scheduleNext(): void {
    if (!this.started || this.cancelTimer) return;
    this.cancelTimer = this.deps.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      void this.evaluateOnce().finally(() => this.scheduleNext());
    }, this.deps.intervalMs);
  }

  private async evaluate(): Promise<void> {
    let targets: ScalerTarget[];
    try {
      targets = this.deps.targets();
    } catch {
      return; // the supervisor could not list its programs; the next tick asks again
    }
    const names = new Set(targets.map((target) => target.name));
    for (const name of this.states.keys()) if (!names.has(name)) this.states.delete(name);

    for (const target of targets) {
      if (target.busy || this.applying.has(target.name)) continue;
      let state = this.states.get(target.name);
      if (!state) {
        state = { history: EMPTY_SCALE_HISTORY, lastDecision: undefined, decisions: [] };
        this.states.set(target.name, state);
      }
      const { decision, history } = planScale({
        current: target.current,
        ready: target.ready,
        metrics: this.readSignals(target.name),
        policy: target.policy,
        history: state.history,
        now: this.deps.clock.now(),
      });
      const previous = state.lastDecision;
      state.history = history;
      state.lastDecision = decision;
      const changed =
        decision.action !== 'none' ||
        previous === undefined ||
        previous.action !== 'none' ||
        previous.held !== decision.held;
      if (changed) this.report(target.name, state, decision);
      if (decision.action !== 'none') {
        const name = target.name;
        this.applying.set(
          name,
          this.apply(name, state, decision).finally(() => this.applying.delete(name)),
        );
      }
    }
  }

  private readSignals(name: string): ScaleSignals {
    try {
      return this.deps.signals(name);
    } catch {
      return {}; // unknown signals hold the scaler ('no_signal'), which is the safe answer
    }
  }

  private async apply(name: string, state: TargetState, decision: ScaleDecision): Promise<void> {
    try {
      await this.deps.apply(name, decision);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const failed: ScaleDecision = {
        ...decision,
        at: this.deps.clock.now(),
        reason: `${decision.reason}; applying it failed: ${message}`,
        error: message,
      };
      state.lastDecision = failed;
      this.report(name, state, failed);
    }
  }

  private report(name: string, state: TargetState, decision: ScaleDecision): void {
    state.decisions.push(decision);
    if (state.decisions.length > DECISIONS_KEPT) state.decisions.shift();
    try {
      this.deps.onDecision(name, decision);
    } catch {
      // a listener's failure is its own; the scaler keeps deciding
    }
  }
}
