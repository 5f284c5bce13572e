import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../shared/index.js';
import type { SupervisorEvent, SupervisorEventBody } from '../events/index.js';
import { Lifecycle } from './lifecycle.js';
import {
  ALLOWED_TRANSITIONS,
  canTransition,
  hasProcess,
  isActive,
  isReady,
  type InstanceState,
  type InstanceStatus,
} from './states.js';

type StateInput = InstanceState extends infer S
  ? S extends unknown
    ? Omit<S, 'since'>
    : never
  : never;

const EXIT = { code: 1, signal: null, at: 5 };

/** A valid state of each status (without `since`). */
const SAMPLE: Record<InstanceStatus, StateInput> = {
  starting: { status: 'starting' },
  running: { status: 'running', pid: 100 },
  healthy: { status: 'healthy', pid: 100 },
  unhealthy: { status: 'unhealthy', pid: 100, reason: 'health check failed 3 times' },
  stopping: { status: 'stopping', pid: 100, reason: 'stop requested' },
  stopped: { status: 'stopped', reason: 'exited', exit: EXIT },
  backoff: {
    status: 'backoff',
    reason: 'crashed',
    attempt: 2,
    nextAttemptAt: 1234,
    exit: EXIT,
    stderrTail: ['panic: boom'],
  },
  failed: { status: 'failed', reason: 'gave up', exit: EXIT, stderrTail: ['panic: boom'] },
};

const STATUSES = Object.keys(ALLOWED_TRANSITIONS) as InstanceStatus[];

function rig(options: { eventLogSize?: number; initial?: StateInput } = {}) {
  let time = 1000;
  let seq = 0;
  const published: SupervisorEvent[] = [];
  const publish = (body: SupervisorEventBody): SupervisorEvent => {
    const event = { ...body, seq: ++seq, at: time, process: 'api' } as SupervisorEvent;
    published.push(event);
    return event;
  };
  const lifecycle = new Lifecycle({
    process: 'api',
    instance: 'api-0',
    index: 0,
    publish,
    now: () => time,
    ...(options.eventLogSize === undefined ? {} : { eventLogSize: options.eventLogSize }),
    ...(options.initial === undefined ? {} : { initial: options.initial }),
  });
  return {
    lifecycle,
    published,
    tick: (ms: number) => {
      time += ms;
    },
  };
}

/** A lifecycle that begins in `status`. */
function lifecycleIn(status: InstanceStatus) {
  const r = rig({ initial: SAMPLE[status] });
  expect(r.lifecycle.state().status).toBe(status);
  return r;
}

describe('Lifecycle', () => {
  it('begins stopped (reason "created") at the current time', () => {
    const { lifecycle, published } = rig();
    expect(lifecycle.state()).toEqual({ status: 'stopped', reason: 'created', since: 1000 });
    expect(lifecycle.events()).toEqual([]);
    expect(published).toEqual([]);
  });

  it('can begin running, for an adopted process', () => {
    const { lifecycle } = rig({ initial: { status: 'running', pid: 42 } });
    expect(lifecycle.state()).toEqual({ status: 'running', pid: 42, since: 1000 });
  });

  it('walks a normal life: start, run, healthy, stop', () => {
    const { lifecycle, tick } = rig();
    lifecycle.setState({ status: 'starting' });
    expect(lifecycle.state()).toEqual({ status: 'starting', since: 1000 });
    tick(10);
    lifecycle.setState({ status: 'running', pid: 4321 });
    expect(lifecycle.state()).toEqual({ status: 'running', pid: 4321, since: 1010 });
    tick(10);
    lifecycle.setState({ status: 'healthy', pid: 4321 });
    expect(lifecycle.state()).toEqual({ status: 'healthy', pid: 4321, since: 1020 });
    tick(10);
    lifecycle.setState({ status: 'stopping', pid: 4321, reason: 'stop requested' });
    expect(lifecycle.state().status).toBe('stopping');
    tick(10);
    const final = lifecycle.setState({ status: 'stopped', reason: 'stopped', exit: EXIT });
    expect(final).toEqual({ status: 'stopped', reason: 'stopped', exit: EXIT, since: 1040 });
    expect(lifecycle.state()).toBe(final);
    expect(
      lifecycle.events().map((e) => (e.type === 'instance.state' ? `${e.from}>${e.to}` : e.type)),
    ).toEqual([
      'stopped>starting',
      'starting>running',
      'running>healthy',
      'healthy>stopping',
      'stopping>stopped',
    ]);
  });

  describe('accepts every allowed transition', () => {
    const allowed = STATUSES.flatMap((from) =>
      ALLOWED_TRANSITIONS[from].map((to) => [from, to] as const),
    );
    it.each(allowed)('%s -> %s', (from, to) => {
      const { lifecycle, published } = lifecycleIn(from);
      const state = lifecycle.setState(SAMPLE[to]);
      expect(state).toEqual({ ...SAMPLE[to], since: 1000 });
      expect(lifecycle.state()).toEqual(state);
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({
        type: 'instance.state',
        from,
        to,
        instance: 'api-0',
        index: 0,
      });
    });
  });

  describe('throws on every other transition, leaving the state alone', () => {
    const forbidden = STATUSES.flatMap((from) =>
      STATUSES.filter((to) => !ALLOWED_TRANSITIONS[from].includes(to)).map(
        (to) => [from, to] as const,
      ),
    );
    it('there are forbidden transitions to test', () => {
      expect(forbidden.length).toBeGreaterThan(20);
      expect(forbidden).toContainEqual(['stopped', 'running']);
      expect(forbidden).toContainEqual(['stopped', 'stopped']);
    });
    it.each(forbidden)('%s -> %s', (from, to) => {
      const { lifecycle, published } = lifecycleIn(from);
      const before = lifecycle.state();
      let thrown: unknown;
      try {
        lifecycle.setState(SAMPLE[to]);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DaemonError);
      expect((thrown as DaemonError).code).toBe('internal');
      expect((thrown as DaemonError).message).toBe(
        `illegal state change ${from} -> ${to} for api-0`,
      );
      expect(lifecycle.state()).toBe(before);
      expect(published).toEqual([]);
      expect(lifecycle.events()).toEqual([]);
    });
  });

  it('canTransition agrees with ALLOWED_TRANSITIONS', () => {
    for (const from of STATUSES)
      for (const to of STATUSES)
        expect(canTransition(from, to)).toBe(ALLOWED_TRANSITIONS[from].includes(to));
  });

  it('describes each state in its event', () => {
    const { lifecycle, published } = rig();
    lifecycle.setState(SAMPLE.starting);
    lifecycle.setState(SAMPLE.running);
    lifecycle.setState(SAMPLE.unhealthy);
    lifecycle.setState(SAMPLE.backoff);
    lifecycle.setState(SAMPLE.failed);
    lifecycle.setState(SAMPLE.stopped);
    expect(published[0]).toEqual({
      type: 'instance.state',
      instance: 'api-0',
      index: 0,
      from: 'stopped',
      to: 'starting',
      seq: 1,
      at: 1000,
      process: 'api',
    });
    expect(published[1]).toMatchObject({ to: 'running', pid: 100 });
    expect(published[2]).toMatchObject({
      to: 'unhealthy',
      pid: 100,
      reason: 'health check failed 3 times',
    });
    expect(published[3]).toMatchObject({
      to: 'backoff',
      reason: 'crashed',
      attempt: 2,
      nextAttemptAt: 1234,
      exitCode: 1,
      exitSignal: null,
      stderrTail: ['panic: boom'],
    });
    expect(published[4]).toMatchObject({
      to: 'failed',
      reason: 'gave up',
      exitCode: 1,
      stderrTail: ['panic: boom'],
    });
    expect(published[5]).toMatchObject({
      to: 'stopped',
      reason: 'exited',
      exitCode: 1,
      exitSignal: null,
    });
  });

  it('records other events in the same log and publishes them', () => {
    const { lifecycle, published } = rig();
    const event = lifecycle.record({
      type: 'instance.health',
      instance: 'api-0',
      index: 0,
      ok: false,
      check: 'http',
      detail: 'GET / -> 503',
      consecutiveFailures: 1,
    });
    expect(published).toEqual([event]);
    expect(lifecycle.events()).toEqual([event]);
  });

  it('keeps only the last eventLogSize events, oldest first, and publishes them all', () => {
    const { lifecycle, published } = rig({ eventLogSize: 3 });
    for (let i = 0; i < 5; i++) lifecycle.record({ type: 'daemon.warning', message: `w${i}` });
    expect(published).toHaveLength(5);
    expect(lifecycle.events().map((e) => (e.type === 'daemon.warning' ? e.message : ''))).toEqual([
      'w2',
      'w3',
      'w4',
    ]);
  });

  it('keeps 100 events by default', () => {
    const { lifecycle } = rig();
    for (let i = 0; i < 150; i++) lifecycle.record({ type: 'daemon.warning', message: `w${i}` });
    expect(lifecycle.events()).toHaveLength(100);
    expect(lifecycle.events()[0]).toMatchObject({ message: 'w50' });
  });

  it('events() is a copy', () => {
    const { lifecycle } = rig();
    lifecycle.setState(SAMPLE.starting);
    lifecycle.events().pop();
    expect(lifecycle.events()).toHaveLength(1);
  });
});

describe('state predicates', () => {
  const state = (status: InstanceStatus): InstanceState =>
    ({ ...SAMPLE[status], since: 0 }) as InstanceState;

  it('isReady only when healthy', () => {
    expect(STATUSES.filter((s) => isReady(state(s)))).toEqual(['healthy']);
  });

  it('isActive unless stopping or stopped', () => {
    expect(STATUSES.filter((s) => !isActive(state(s))).sort()).toEqual(['stopped', 'stopping']);
  });

  it('hasProcess for the states with a pid', () => {
    expect(STATUSES.filter((s) => hasProcess(state(s))).sort()).toEqual([
      'healthy',
      'running',
      'stopping',
      'unhealthy',
    ]);
  });
});
