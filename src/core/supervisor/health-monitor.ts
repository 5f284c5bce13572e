/**
 * The loop that probes one running instance and feeds the pure verdict. It owns no decisions:
 * it reports healthy/unhealthy changes and each failed probe to its owner.
 */
import type { HealthCheckConfig } from '../../config/index.js';
import type { CancelTimer, Clock } from '../../shared/index.js';
import {
  INITIAL_HEALTH,
  judgeHealth,
  nextProbeDelay,
  timeUntilPresumedHealthy,
  type HealthPolicy,
  type HealthStatus,
  type HealthTracker,
  type Probe,
  type ProbeResult,
} from '../health/index.js';

export interface HealthMonitorEvents {
  onChange(status: Exclude<HealthStatus, 'pending'>, detail: string): void;
  onProbe(result: ProbeResult, tracker: HealthTracker, counted: boolean): void;
}

export class HealthMonitor {
  private tracker: HealthTracker = INITIAL_HEALTH;
  private cancel: CancelTimer | undefined;
  private stopped = false;
  private readonly policy: HealthPolicy;

  constructor(
    private readonly check: HealthCheckConfig,
    private readonly port: number,
    private readonly startedAt: number,
    private readonly clock: Clock,
    private readonly probe: Probe,
    private readonly events: HealthMonitorEvents,
  ) {
    this.policy = {
      retries: check.retries,
      startPeriod: check.start_period,
      interval: check.interval,
    };
  }

  start(): void {
    if (this.check.type === 'none') {
      const wait = timeUntilPresumedHealthy(
        this.startedAt,
        this.clock.now(),
        this.check.start_period,
      );
      this.cancel = this.clock.setTimeout(() => {
        if (!this.stopped)
          this.events.onChange('healthy', `up for ${this.check.start_period}ms (no health check)`);
      }, wait);
      return;
    }
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  private schedule(delay: number): void {
    this.cancel = this.clock.setTimeout(() => void this.tick(), delay);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const result = await this.probe(this.check, this.port);
    if (this.stopped) return;
    const verdict = judgeHealth(
      this.tracker,
      { ok: result.ok, at: this.clock.now() },
      this.policy,
      this.startedAt,
    );
    this.tracker = verdict.tracker;
    this.events.onProbe(result, this.tracker, verdict.counted);
    if (verdict.changed === 'healthy' || verdict.changed === 'unhealthy')
      this.events.onChange(verdict.changed, result.detail);
    if (!this.stopped)
      this.schedule(nextProbeDelay(this.tracker, this.policy, this.startedAt, this.clock.now()));
  }
}
