import { DaemonError, type CancelTimer, type ErrorCode } from '../../../shared/index.js';
import {
  newSchedule,
  nextCheckAt,
  pollPlan,
  scheduleAfterCheck,
  type CheckFailure,
  type TargetSchedule,
} from './poll-plan.js';
import type { PollOutcome, PollTarget, UpdatePollerOptions } from './types.js';

/**
 * Checks each auto-update process for a newer release and starts its update (issue 7's poller).
 * Timing decisions live in poll-plan.ts; this class runs them on a Clock:
 *
 *   stopped --start()--> running --stop()--> stopped
 *   running: every tickMs, pollPlan() picks the due targets; each due target gets one check
 *   (latestVersion -> compare with currentVersion -> trigger), never two at once, each on its own
 *   promise so a slow GitHub answer for one process delays no other.
 *
 * A version the poller has handled (it started the update, or saw it current) is not started
 * again for that process: after a failed or rolled-back update, or an operator's rollback, the
 * poller waits for a newer release instead of redeploying the same one every interval. The
 * memory is per daemon run; a manual update still installs it.
 *
 * stop() cancels the tick; checks already running finish on their own, but their results are
 * dropped (no trigger, no report). No promise of the poller ever rejects unhandled.
 */
export const DEFAULT_POLL_TICK_MS = 1000;

/** Codes of a trigger refused because the process is busy: skipped, not an error. */
const BUSY_CODES: ReadonlySet<ErrorCode> = new Set(['update_in_progress', 'operation_in_progress']);

type Evaluation = { result: PollOutcome; idle: boolean } | { error: DaemonError };

export class UpdatePoller {
  private readonly options: UpdatePollerOptions;
  private readonly tickMs: number;
  private readonly schedules = new Map<string, TargetSchedule>();
  private readonly running = new Map<string, Promise<PollOutcome>>();
  /** process -> the version the poller last started or saw current. */
  private readonly handled = new Map<string, string>();
  /** process -> last idle outcome reported, to report an idle check only when it is news. */
  private readonly lastIdle = new Map<string, string>();
  private cancelTick: CancelTimer | undefined;
  private started = false;
  /** Bumped by stop(): a check of an older generation has its result dropped. */
  private generation = 0;

  constructor(options: UpdatePollerOptions) {
    this.options = options;
    this.tickMs = Math.max(1, options.tickMs ?? DEFAULT_POLL_TICK_MS);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    // Schedules from now: the first checks fall due min(interval, 10 s) after start.
    try {
      this.plan(this.options.clock.now());
    } catch {
      // targets() failed: the first tick schedules them instead.
    }
    this.scheduleTick();
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.generation++;
    this.cancelTick?.();
    this.cancelTick = undefined;
    this.schedules.clear();
    this.running.clear();
  }

  /**
   * Checks now (all targets, or the named process), whatever their schedule; a check already
   * running is joined rather than doubled. An unknown or non-target process gives [].
   */
  async checkNow(process?: string): Promise<PollOutcome[]> {
    const targets = this.readTargets().filter(
      (target) => process === undefined || target.process === process,
    );
    return Promise.all(targets.map((target) => this.check(target)));
  }

  private scheduleTick(): void {
    this.cancelTick = this.options.clock.setTimeout(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    this.cancelTick = undefined;
    if (!this.started) return;
    try {
      this.plan(this.options.clock.now(), true);
    } catch {
      // targets() failed (a config being swapped): keep the schedules, try at the next tick.
    }
    this.scheduleTick();
  }

  private plan(now: number, startDue = false): void {
    const plan = pollPlan(this.options.targets(), this.schedules, now);
    for (const process of plan.removed) {
      this.schedules.delete(process);
      this.lastIdle.delete(process);
      this.handled.delete(process);
    }
    for (const target of plan.added) {
      this.schedules.set(target.process, newSchedule(target, now));
      this.lastIdle.delete(target.process);
      this.handled.delete(target.process);
    }
    if (startDue) for (const target of plan.due) void this.check(target);
  }

  private readTargets(): PollTarget[] {
    try {
      return this.options.targets();
    } catch (error) {
      throw DaemonError.from(error);
    }
  }

  private check(target: PollTarget): Promise<PollOutcome> {
    const joined = this.running.get(target.process);
    if (joined !== undefined) return joined;
    const generation = this.generation;
    let schedule = this.schedules.get(target.process);
    if (schedule === undefined || schedule.repository !== target.repository) {
      schedule = newSchedule(target, this.options.clock.now());
      this.schedules.set(target.process, schedule);
    }
    schedule.inFlight = true;
    const outcome = this.evaluate(target, generation)
      .catch((error: unknown): Evaluation => ({ error: DaemonError.from(error) }))
      .then((evaluation) => this.finish(target, generation, evaluation));
    this.running.set(target.process, outcome);
    return outcome;
  }

  private async evaluate(target: PollTarget, generation: number): Promise<Evaluation> {
    const latest = await this.options.latestVersion(target);
    if (typeof latest !== 'string' || latest === '') {
      return {
        error: new DaemonError('release_not_found', `no version is known for ${target.repository}`),
      };
    }
    const current = this.options.currentVersion(target.process);
    if (latest === current) {
      return { result: { outcome: 'up_to_date', current, latest }, idle: true };
    }
    if (generation !== this.generation) {
      const reason = 'the update poller stopped';
      return { result: { outcome: 'skipped', current, latest, reason }, idle: false };
    }
    if (this.handled.get(target.process) === latest) {
      const reason =
        `${latest} was already handled and is not current (updating, failed, or rolled back); ` +
        'waiting for a newer release';
      return { result: { outcome: 'skipped', current, latest, reason }, idle: true };
    }
    try {
      await this.options.trigger(target.process, latest);
    } catch (error) {
      const failure = DaemonError.from(error);
      if (!BUSY_CODES.has(failure.code)) return { error: failure };
      return {
        result: { outcome: 'skipped', current, latest, reason: failure.message },
        idle: false,
      };
    }
    return { result: { outcome: 'triggered', current, latest }, idle: false };
  }

  private finish(target: PollTarget, generation: number, evaluation: Evaluation): PollOutcome {
    const now = this.options.clock.now();
    const current = generation === this.generation;
    if (current) this.running.delete(target.process);
    const failure: CheckFailure | undefined =
      'error' in evaluation
        ? { code: evaluation.error.code, resetAt: numberOr(evaluation.error.details['resetAt']) }
        : undefined;
    const schedule = this.schedules.get(target.process);
    let retryAt: number | undefined;
    if (current && schedule !== undefined && schedule.repository === target.repository) {
      const next = scheduleAfterCheck(schedule, target, now, failure);
      this.schedules.set(target.process, next);
      retryAt = next.retryAt;
    }
    const outcome: PollOutcome =
      'error' in evaluation
        ? {
            outcome: 'error',
            code: evaluation.error.code,
            message: evaluation.error.message,
            retryAt: retryAt ?? nextCheckAt(now, target.intervalMs, failure, 1),
          }
        : evaluation.result;
    if (current)
      this.record(target.process, outcome, 'error' in evaluation ? false : evaluation.idle);
    return outcome;
  }

  private record(process: string, outcome: PollOutcome, idle: boolean): void {
    if (outcome.outcome === 'triggered' || outcome.outcome === 'up_to_date') {
      this.handled.set(process, outcome.latest);
    }
    if (idle) {
      const key = JSON.stringify(outcome);
      if (this.lastIdle.get(process) === key) return;
      this.lastIdle.set(process, key);
    } else {
      this.lastIdle.delete(process);
    }
    try {
      this.options.report(process, outcome);
    } catch {
      // A failing listener must not break polling; the lead's report only emits an event.
    }
  }
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
