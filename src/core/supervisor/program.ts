/**
 * A program is one configured process and its instances. It owns the desired count and the
 * operations an operator asks for (start one more, stop, restart, scale), one at a time.
 *
 * Restart of a ready instance is a replace: start a new instance (it may take the process one
 * above max_instances for the moment), wait until it is ready, then stop the old one, so the
 * process never drops to zero ready instances.
 */
import { randomBytes } from 'node:crypto';
import type { ProcessConfig } from '../../config/index.js';
import { DaemonError } from '../../shared/index.js';
import type { ProcessHandle } from '../driver/index.js';
import { isActive, isReady } from '../lifecycle/index.js';
import type { InstanceRecord, ProcessRecord } from '../state/index.js';
import { Instance, type InstanceDeps } from './instance.js';

export class Program {
  private members: Instance[] = [];
  private operation: string | undefined;
  desired: number;

  constructor(
    public config: ProcessConfig,
    private readonly deps: InstanceDeps,
    desired?: number,
  ) {
    this.desired = desired ?? config.instances;
  }

  get name(): string {
    return this.config.name;
  }

  /** Every instance shown to operators, including stopped and failed ones, by index. */
  instances(): Instance[] {
    return [...this.members].sort((a, b) => a.index - b.index);
  }

  /** Instances that count toward the instance count (not stopping or stopped). */
  active(): Instance[] {
    return this.instances().filter((i) => isActive(i.state()));
  }

  ready(): Instance[] {
    return this.instances().filter((i) => isReady(i.state()));
  }

  /** The operation in progress, if any (`restart`, `scale`...). */
  get currentOperation(): string | undefined {
    return this.operation;
  }

  find(ref: string): Instance {
    const byIndex = /^\d+$/.test(ref) ? Number(ref) : undefined;
    const found = this.members.find(
      (i) => i.id === ref || (byIndex !== undefined && i.index === byIndex),
    );
    if (!found) {
      throw new DaemonError(
        'instance_not_found',
        `process ${this.name} has no instance ${JSON.stringify(ref)}`,
        {
          details: { process: this.name, instance: ref },
        },
      );
    }
    return found;
  }

  ledgerRecord(): ProcessRecord {
    return {
      desired: this.desired,
      configuredInstances: this.config.instances,
      instances: this.members
        .map((i) => i.ledgerEntry())
        .filter((r): r is InstanceRecord => r !== undefined),
    };
  }

  /** Takes over a process a previous daemon started. */
  adopt(handle: ProcessHandle, record: InstanceRecord): Instance {
    const instance = new Instance(this.config, record.id, record.index, this.deps, {
      handle,
      record,
    });
    this.members.push(instance);
    return instance;
  }

  /** Brings the instance count to `desired`: starts missing instances, stops extra ones. */
  reconcile(reason: string): Promise<void> {
    return this.exclusive('reconcile', () => this.converge(this.desired, reason, false));
  }

  /** Starts one more instance (up to max_instances); resolves once it is spawned. */
  startOne(): Promise<Instance> {
    return this.exclusive('start', async () => {
      await this.pruneStopped();
      const count = this.active().length;
      // Only the maximum: after a stop, starting one again is fine below min_instances.
      if (count + 1 > instanceBounds(this.config).max) this.checkBounds(count + 1);
      const [instance] = await this.launchNew(1, true);
      this.desired = count + 1;
      this.deps.publish(this.name, {
        type: 'process.scaled',
        from: count,
        to: count + 1,
        reason: 'start',
      });
      this.deps.onChange();
      return instance!;
    });
  }

  /** Starts one stopped or failed instance again (by id or index), with a fresh restart history. */
  startInstance(ref: string): Promise<Instance> {
    return this.exclusive('start', async () => {
      const instance = this.find(ref);
      if (instance.status !== 'stopped' && instance.status !== 'failed') {
        throw new DaemonError(
          'invalid_argument',
          `instance ${instance.id} is ${instance.status}; only a stopped or failed instance can be started (restart it instead)`,
        );
      }
      await instance.restartInPlace('started by request');
      this.desired = Math.max(this.desired, this.active().length);
      this.deps.onChange();
      return instance;
    });
  }

  /** Starts every stopped or failed instance and brings the count back to at least `instances`. */
  startAll(): Promise<void> {
    return this.exclusive('start', async () => {
      const idle = this.members.filter((i) => i.status === 'failed');
      await Promise.all(idle.map((i) => i.restartInPlace('started by request')));
      const target = Math.min(
        Math.max(this.desired, this.config.instances),
        instanceBounds(this.config).max,
      );
      await this.converge(target, 'start', true);
      this.desired = target;
      this.deps.onChange();
    });
  }

  /** Stops one instance (by id or index) or all of them; the desired count follows. */
  stop(ref?: string): Promise<void> {
    return this.exclusive('stop', async () => {
      const targets = ref === undefined ? this.members.slice() : [this.find(ref)];
      const before = this.active().length;
      await Promise.all(targets.map((i) => this.retire(i, 'stopped by request')));
      this.desired = this.active().length;
      if (before !== this.desired)
        this.deps.publish(this.name, {
          type: 'process.scaled',
          from: before,
          to: this.desired,
          reason: 'stop',
        });
      this.deps.onChange();
    });
  }

  /** Sets the instance count within min_instances..max_instances. */
  scale(target: number): Promise<void> {
    return this.exclusive('scale', async () => {
      this.checkBounds(target);
      await this.converge(target, 'scale', true);
      this.desired = target;
      this.deps.onChange();
    });
  }

  /**
   * The autoscaler's scale: like `scale`, within the autoscaling bounds, recorded with the
   * decision's reason. Scale-in stops instances through their stop hooks, so the balancer drains
   * each before it stops; scale-out instances take traffic only once healthy.
   */
  autoscale(target: number, reason: string): Promise<void> {
    return this.exclusive('autoscale', async () => {
      this.checkBounds(target);
      // A failed instance gave up and is not counted by the autoscaler: replace it.
      const failed = this.members.filter((i) => i.status === 'failed');
      await Promise.all(failed.map((i) => this.retire(i, 'failed; replaced by the autoscaler')));
      await this.converge(target, `autoscale: ${reason}`, true);
      this.desired = target;
      this.deps.onChange();
    });
  }

  /**
   * Restarts one instance or all, one at a time. A ready instance is replaced (start new, wait
   * ready, stop old); an instance that is not ready is restarted in place.
   */
  restart(ref?: string): Promise<void> {
    return this.exclusive('restart', async () => {
      const targets = ref === undefined ? this.active() : [this.find(ref)];
      if (ref === undefined && targets.length === 0) {
        await this.converge(Math.max(this.desired, 1), 'restart', true);
        return;
      }
      this.deps.publish(this.name, {
        type: 'process.restart',
        phase: 'started',
        message: `restarting ${targets.length} instance(s)`,
      });
      try {
        for (const old of targets) await this.replace(old);
      } catch (error) {
        this.deps.publish(this.name, {
          type: 'process.restart',
          phase: 'failed',
          message: (error as Error).message,
        });
        throw error;
      }
      this.deps.publish(this.name, {
        type: 'process.restart',
        phase: 'completed',
        message: `restarted ${targets.length} instance(s)`,
      });
    });
  }

  /**
   * Replaces every instance so the new ones run what the prestart hooks choose now (a release
   * just installed or rolled back to):
   * - `rolling`: one at a time, start a new instance, wait until it is ready (and stays ready for
   *   `minHealthyMs`), then stop (drain) an old one; the process never has fewer ready instances;
   * - `blue-green`: start a whole new set, wait until all are ready, then stop the old set;
   * - `immediate`: stop every instance, then start the same count (downtime).
   * A new instance that is not ready in time stops it with `not_ready`: rolling and blue-green
   * leave the old instances serving (with rolling, those already replaced stay new); the caller
   * decides what to roll back.
   */
  deploy(strategy: DeployStrategy, options: DeployOptions = {}): Promise<void> {
    return this.exclusive('update', async () => {
      const phase = options.onPhase ?? (() => undefined);
      const ready = options.readyTimeoutMs;
      await this.pruneStopped();
      const olds = this.active();
      // As many as the process should run: instances missing (a deploy that failed midway, a
      // crash) are started too, so a rollback brings back the whole count.
      const count = Math.max(olds.length, this.desired);
      if (strategy === 'rolling') {
        const replacing = { phase, minHealthyMs: options.minHealthyMs ?? 0, readyTimeoutMs: ready };
        for (const old of olds) await this.replace(old, { ...replacing, waitInPlace: true });
        if (count > olds.length) await this.launchReady(count - olds.length, phase, [], ready);
        return;
      }
      if (strategy === 'immediate') {
        phase('stopping', `stopping ${olds.length} instance(s)`);
        await Promise.all(olds.map((i) => this.retire(i, 'immediate update')));
        await this.launchReady(count, phase, [], ready);
        return;
      }
      await this.launchReady(count, phase, olds, ready);
      phase('draining', `draining and stopping the ${olds.length} old instance(s)`);
      await Promise.all(olds.map((i) => this.retire(i, 'replaced by the new set')));
    });
  }

  /** Applies a changed config: new instances use it; running ones are replaced one by one. */
  reconfigure(config: ProcessConfig): Promise<void> {
    return this.exclusive('reload', async () => {
      const instancesChanged = config.instances !== this.config.instances;
      this.config = config;
      const target = instancesChanged
        ? config.instances
        : Math.min(Math.max(this.desired, instanceBounds(config).min), instanceBounds(config).max);
      for (const old of this.active()) await this.replace(old);
      await this.converge(target, 'config reload', false);
      this.desired = target;
      this.deps.onChange();
    });
  }

  /** Stops everything (daemon shutdown or process removed); desired is kept for the ledger. */
  async shutdown(reason: string): Promise<void> {
    await Promise.all(this.members.map((i) => i.stop(reason)));
    await Promise.all(this.members.map((i) => i.dispose()));
  }

  private async replace(old: Instance, options: ReplaceOptions = {}): Promise<void> {
    const { phase = () => undefined, minHealthyMs = 0, readyTimeoutMs } = options;
    if (!this.members.includes(old)) return;
    if (!isReady(old.state())) {
      phase('starting', `restarting ${old.id} in place (it was not ready)`);
      await old.restartInPlace('restart requested');
      if (!options.waitInPlace) return;
      // A deploy is done only when what it started serves (a first install over nothing, too).
      phase('health_check', `waiting until ${old.id} is ready`);
      try {
        await old.waitReady(readyTimeoutMs ?? readyDeadline(this.config));
      } catch (error) {
        throw new DaemonError(
          'not_ready',
          `deploy of ${this.name} stopped: ${old.id}, restarted in place, is not ready: ${(error as Error).message}`,
          { cause: error },
        );
      }
      return;
    }
    phase('starting', `starting a replacement for ${old.id}`);
    const [fresh] = await this.launchNew(1, true, old.restarts + 1);
    try {
      phase('health_check', `waiting until ${fresh!.id} is ready`);
      await fresh!.waitReady(readyTimeoutMs ?? readyDeadline(this.config));
      if (minHealthyMs > 0) await this.staysReady(fresh!, minHealthyMs);
    } catch (error) {
      await this.retire(fresh!, 'replacement was not ready');
      throw new DaemonError(
        'not_ready',
        `restart of ${this.name} stopped: ${(error as Error).message}; ${old.id} keeps running`,
        { cause: error },
      );
    }
    phase('draining', `draining and stopping ${old.id}, replaced by ${fresh!.id}`);
    await this.retire(old, `replaced by ${fresh!.id}`);
  }

  /** Starts `count` instances and waits until all are ready; stops them all if one is not. */
  private async launchReady(
    count: number,
    phase: DeployPhase,
    keeping: Instance[],
    readyTimeoutMs?: number,
  ): Promise<void> {
    if (count === 0) return;
    phase('starting', `starting ${count} new instance(s)`);
    const fresh = await this.launchNew(count, true);
    phase('health_check', `waiting until ${count} new instance(s) are ready`);
    try {
      const deadline = readyTimeoutMs ?? readyDeadline(this.config);
      await Promise.all(fresh.map((i) => i.waitReady(deadline)));
    } catch (error) {
      await Promise.all(fresh.map((i) => this.retire(i, 'the new set was not ready')));
      const kept =
        keeping.length > 0 ? `; ${keeping.map((i) => i.id).join(', ')} keep running` : '';
      throw new DaemonError('not_ready', `${this.name}: ${(error as Error).message}${kept}`, {
        cause: error,
      });
    }
  }

  /** Resolves once `instance` has stayed ready for `ms`; rejects when it stops being ready. */
  private staysReady(instance: Instance, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const cancel = this.deps.clock.setTimeout(() => {
        unsubscribe();
        if (isReady(instance.state())) resolve();
        else reject(new Error(`${instance.id} did not stay ready for ${ms} ms`));
      }, ms);
      const unsubscribe = instance.onStateChange((state) => {
        if (isReady(state)) return;
        cancel();
        unsubscribe();
        reject(new Error(`${instance.id} stopped being ready (${state.status}) within ${ms} ms`));
      });
    });
  }

  /** Starts or stops instances until `target` are active. */
  private async converge(target: number, reason: string, strict: boolean): Promise<void> {
    await this.pruneStopped();
    const active = this.active();
    if (active.length < target) {
      await this.launchNew(target - active.length, strict);
    } else if (active.length > target) {
      const victims = active.sort(retireOrder).slice(0, active.length - target);
      await Promise.all(
        victims.map((i) => this.retire(i, reason === 'scale' ? 'scaled in' : reason)),
      );
    }
    if (active.length !== target)
      this.deps.publish(this.name, {
        type: 'process.scaled',
        from: active.length,
        to: target,
        reason,
      });
  }

  /**
   * Creates and starts `count` instances in parallel. With `strict` (an operator's request), an
   * instance that cannot even be spawned is removed and the error returned; otherwise (boot,
   * reload) it stays in backoff and keeps trying.
   */
  private async launchNew(count: number, strict: boolean, restarts = 0): Promise<Instance[]> {
    const created: Instance[] = [];
    for (let n = 0; n < count; n++) {
      const index = this.nextIndex();
      const instance = new Instance(this.config, newInstanceId(this.name, index), index, this.deps);
      instance.restarts = restarts;
      this.members.push(instance);
      created.push(instance);
    }
    const results = await Promise.allSettled(created.map((i) => i.start()));
    this.deps.onChange();
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure && strict) {
      await Promise.all(created.map((i) => this.retire(i, 'start failed')));
      throw DaemonError.from(failure.reason, 'spawn_failed');
    }
    return created;
  }

  /** Stops an instance and forgets it. */
  private async retire(instance: Instance, reason: string): Promise<void> {
    await instance.stop(reason);
    this.members = this.members.filter((i) => i !== instance);
    await instance.dispose();
  }

  /** Stopped instances stay visible until the next operation; then they make room. */
  private async pruneStopped(): Promise<void> {
    const stopped = this.members.filter((i) => i.status === 'stopped');
    this.members = this.members.filter((i) => i.status !== 'stopped');
    await Promise.all(stopped.map((i) => i.dispose()));
  }

  private nextIndex(): number {
    const used = new Set(this.members.map((i) => i.index));
    let index = 0;
    while (used.has(index)) index++;
    return index;
  }

  private checkBounds(target: number): void {
    const { min, max } = instanceBounds(this.config);
    if (!Number.isInteger(target) || target < 0) {
      throw new DaemonError(
        'invalid_argument',
        `instances must be a whole number >= 0, got ${target}`,
      );
    }
    if (target > max) {
      throw new DaemonError(
        'max_instances_reached',
        `${this.name} cannot run ${target} instances: ${this.config.scaling.enabled ? `the maximum is ${max} (max_instances, scaling.max_instances)` : `max_instances is ${max}`}`,
        {
          details: { process: this.name, requested: target, max_instances: max },
        },
      );
    }
    if (target < min) {
      throw new DaemonError(
        'min_instances_reached',
        `${this.name} cannot run ${target} instances: ${this.config.scaling.enabled ? `the minimum is ${min} (min_instances, scaling.min_instances)` : `min_instances is ${min}`}`,
        {
          details: { process: this.name, requested: target, min_instances: min },
        },
      );
    }
  }

  private async exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.operation !== undefined) {
      throw new DaemonError(
        'operation_in_progress',
        `cannot ${name} ${this.name}: a ${this.operation} is in progress`,
        {
          details: { process: this.name, operation: this.operation },
        },
      );
    }
    this.operation = name;
    try {
      return await work();
    } finally {
      this.operation = undefined;
    }
  }
}

export type DeployStrategy = 'rolling' | 'blue-green' | 'immediate';
export type DeployPhase = (
  phase: 'starting' | 'health_check' | 'draining' | 'stopping',
  message: string,
) => void;
export interface DeployOptions {
  /** Reports each step (update status). */
  onPhase?: DeployPhase;
  /** Rolling: how long a new instance must stay ready before an old one is stopped. */
  minHealthyMs?: number;
  /** How long each new instance may take to become ready (default: from its health check). */
  readyTimeoutMs?: number;
}

interface ReplaceOptions {
  phase?: DeployPhase;
  minHealthyMs?: number;
  readyTimeoutMs?: number | undefined;
  /** Wait until an instance restarted in place (it was not ready) is ready (deploys). */
  waitInPlace?: boolean;
}

/** Not-ready instances go first, then the highest index (as a StatefulSet scales in). */
function retireOrder(a: Instance, b: Instance): number {
  const readyA = isReady(a.state()) ? 1 : 0;
  const readyB = isReady(b.state()) ? 1 : 0;
  return readyA - readyB || b.index - a.index;
}

/**
 * The instance counts a process may run: min_instances..max_instances, widened by the
 * autoscaler's own bounds when scaling is enabled (so an operator may also scale by hand anywhere
 * the autoscaler may).
 */
export function instanceBounds(config: ProcessConfig): { min: number; max: number } {
  if (!config.scaling.enabled) return { min: config.min_instances, max: config.max_instances };
  return {
    min: Math.min(config.min_instances, config.scaling.min_instances),
    max: Math.max(config.max_instances, config.scaling.max_instances),
  };
}

/** How long a new instance may take to become ready before a replace gives up. */
export function readyDeadline(config: ProcessConfig): number {
  const h = config.health_check;
  if (h.type === 'none') return h.start_period + 5000;
  return h.start_period + (h.retries + 1) * h.interval + h.timeout;
}

export function newInstanceId(name: string, index: number): string {
  return `${name}-${index}-${randomBytes(3).toString('hex')}`;
}
