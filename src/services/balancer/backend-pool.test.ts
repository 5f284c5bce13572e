import { describe, expect, it } from 'vitest';
import type { LoadBalancerConfig } from '../../config/index.js';
import { FakeClock } from '../../shared/index.js';
import { BackendPool, type BackendChange, type BackendInfo } from './backend-pool.js';
import { BalancerRouter } from './balancer-router.js';
import type { CallLease, CallOutcome, RouteChoice } from './types.js';

const OK: CallOutcome = {
  grpcStatus: 0,
  connectFailed: false,
  cancelledByClient: false,
  durationMs: 1,
};
const UNAVAILABLE: CallOutcome = { ...OK, grpcStatus: 14 };
const REFUSED: CallOutcome = { ...OK, grpcStatus: 14, connectFailed: true };

const backend = (process: string, index: number): BackendInfo => ({
  id: `${process}-${index}`,
  process,
  index,
  host: '127.0.0.1',
  port: 7000 + index,
});

function setup(routes: LoadBalancerConfig['routes']) {
  const clock = new FakeClock();
  const changes: Array<[string, BackendChange]> = [];
  const pool = new BackendPool({
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    onChange: (b, change) => changes.push([b.id, change]),
  });
  const router = new BalancerRouter(
    { name: 'lb', listen_port: 0, protocol: 'grpc', routes, drain_timeout: 1000 },
    pool,
    () => clock.now(),
    () => 0,
  );
  return { clock, pool, router, changes };
}

const lease = (choice: RouteChoice): CallLease => {
  if (choice.kind !== 'backend') throw new Error(`expected a backend, got ${choice.kind}`);
  return choice.lease;
};
const NONE = new Set<string>();

describe('backend pool and router', () => {
  it('routes by the first matching route to ready backends, round robin', () => {
    const { pool, router } = setup([
      { methods: ['/users\\.'], target_processes: ['users'], strategy: 'round_robin' },
      { methods: ['.*'], target_processes: ['other'], strategy: 'round_robin' },
    ]);
    pool.setReady(backend('users', 0), true);
    pool.setReady(backend('users', 1), true);
    pool.setReady(backend('other', 0), true);
    const picks = [1, 2, 3, 4].map(() => {
      const l = lease(router.route('/users.v1.Users/Get', NONE));
      l.finish(OK);
      return l.backend.id;
    });
    expect(picks).toEqual(['users-0', 'users-1', 'users-0', 'users-1']);
    expect(lease(router.route('/billing.Billing/Pay', NONE)).backend.id).toBe('other-0');
  });

  it('answers no_route for an unmatched method and no_backend when nothing is ready', () => {
    const { pool, router } = setup([
      { methods: ['^/users\\.'], target_processes: ['users'], strategy: 'round_robin' },
    ]);
    expect(router.route('/billing.Billing/Pay', NONE)).toEqual({ kind: 'no_route' });
    expect(router.unmatched).toBe(1);
    const none = router.route('/users.Users/Get', NONE);
    expect(none).toMatchObject({ kind: 'no_backend' });
    expect(none.kind === 'no_backend' && none.message).toContain('no ready instance of users');
    pool.setReady(backend('users', 0), true);
    expect(router.route('/users.Users/Get', NONE).kind).toBe('backend');
    pool.setReady(backend('users', 0), false);
    expect(router.route('/users.Users/Get', NONE).kind).toBe('no_backend');
  });

  it('skips backends this stream already failed to reach', () => {
    const { pool, router } = setup([
      { methods: ['.*'], target_processes: ['a'], strategy: 'primary' },
    ]);
    pool.setReady(backend('a', 0), true);
    pool.setReady(backend('a', 1), true);
    expect(lease(router.route('/x.X/Y', NONE)).backend.id).toBe('a-0');
    expect(lease(router.route('/x.X/Y', new Set(['a-0']))).backend.id).toBe('a-1');
    expect(router.route('/x.X/Y', new Set(['a-0', 'a-1'])).kind).toBe('no_backend');
  });

  it('least_connections sees in-flight calls as they start and finish', () => {
    const { pool, router } = setup([
      { methods: ['.*'], target_processes: ['a'], strategy: 'least_connections' },
    ]);
    pool.setReady(backend('a', 0), true);
    pool.setReady(backend('a', 1), true);
    const first = lease(router.route('/x.X/Y', NONE));
    const second = lease(router.route('/x.X/Y', NONE));
    expect(new Set([first.backend.id, second.backend.id])).toEqual(new Set(['a-0', 'a-1']));
    first.finish(OK);
    expect(lease(router.route('/x.X/Y', NONE)).backend.id).toBe(first.backend.id);
  });

  it('a draining backend takes no new calls and its drain ends when its calls end', async () => {
    const { clock, pool, router, changes } = setup([
      { methods: ['.*'], target_processes: ['a'], strategy: 'round_robin' },
    ]);
    pool.setReady(backend('a', 0), true);
    pool.setReady(backend('a', 1), true);
    const calls = [1, 2, 3, 4].map(() => lease(router.route('/x.X/Y', NONE)));
    const onA0 = calls.filter((c) => c.backend.id === 'a-0');
    expect(onA0).toHaveLength(2);
    let result: unknown;
    void pool.drain('a-0', 5000).then((r) => (result = r));
    for (let n = 0; n < 4; n++) expect(lease(router.route('/x.X/Y', NONE)).backend.id).toBe('a-1');
    // A draining instance that reports healthy again stays out.
    pool.setReady(backend('a', 0), true);
    expect(lease(router.route('/x.X/Y', NONE)).backend.id).toBe('a-1');
    onA0[0]!.finish(OK);
    await clock.advance(1000);
    expect(result).toBeUndefined();
    onA0[1]!.finish(OK);
    await clock.advance(0);
    expect(result).toMatchObject({ drained: true, remaining: 0, waitedMs: 1000 });
    expect(changes).toContainEqual(['a-0', 'draining']);
    expect(changes).toContainEqual(['a-0', 'drained']);
  });

  it('a drain gives up at its timeout with the calls still in flight', async () => {
    const { clock, pool, router } = setup([
      { methods: ['.*'], target_processes: ['a'], strategy: 'round_robin' },
    ]);
    pool.setReady(backend('a', 0), true);
    lease(router.route('/x.X/Y', NONE));
    let result: unknown;
    void pool.drain('a-0', 2000).then((r) => (result = r));
    await clock.advance(1999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    expect(result).toMatchObject({ drained: false, remaining: 1 });
  });

  it('a drain of an idle or unknown backend ends at once', async () => {
    const { pool } = setup([{ methods: ['.*'], target_processes: ['a'], strategy: 'round_robin' }]);
    pool.setReady(backend('a', 0), true);
    await expect(pool.drain('a-0', 1000)).resolves.toMatchObject({ drained: true });
    await expect(pool.drain('nobody', 1000)).resolves.toMatchObject({ drained: true });
  });

  it('ejects a backend whose connection fails, and takes it back after the ejection', async () => {
    const { clock, pool, router, changes } = setup([
      { methods: ['.*'], target_processes: ['a'], strategy: 'round_robin' },
    ]);
    pool.setReady(backend('a', 0), true);
    pool.setReady(backend('a', 1), true);
    const first = lease(router.route('/x.X/Y', NONE));
    expect(first.backend.id).toBe('a-0');
    first.finish(REFUSED);
    expect(changes).toContainEqual(['a-0', 'ejected']);
    for (let n = 0; n < 3; n++) {
      const l = lease(router.route('/x.X/Y', NONE));
      expect(l.backend.id).toBe('a-1');
      l.finish(OK);
    }
    expect(pool.views().find((v) => v.id === 'a-0')?.state).toBe('ejected');
    await clock.advance(60_000);
    const seen = new Set([1, 2].map(() => lease(router.route('/x.X/Y', NONE)).backend.id));
    expect(seen).toEqual(new Set(['a-0', 'a-1']));
  });

  it('ejects after consecutive UNAVAILABLE, but never leaves a route with no backend', () => {
    const { pool, router } = setup([
      { methods: ['.*'], target_processes: ['a'], strategy: 'primary' },
    ]);
    pool.setReady(backend('a', 0), true);
    for (let n = 0; n < 10; n++) lease(router.route('/x.X/Y', NONE)).finish(UNAVAILABLE);
    expect(pool.views()[0]?.state).toBe('ejected');
    // Every backend ejected: all of them are used again (better a failing backend than none).
    expect(lease(router.route('/x.X/Y', NONE)).backend.id).toBe('a-0');
  });

  it('counts calls per route and per backend, and a lease finishes once', () => {
    const { pool, router } = setup([
      { methods: ['.*'], target_processes: ['a'], strategy: 'primary' },
    ]);
    pool.setReady(backend('a', 0), true);
    const l = lease(router.route('/x.X/Y', NONE));
    l.finish(OK);
    l.finish(UNAVAILABLE);
    lease(router.route('/x.X/Y', NONE)).finish(UNAVAILABLE);
    lease(router.route('/x.X/Y', NONE));
    const [route] = router.views();
    expect(route?.stats).toMatchObject({
      requests: 3,
      inFlight: 1,
      errors: 1,
      byStatus: { OK: 1, UNAVAILABLE: 1 },
    });
    expect(pool.views()[0]?.stats).toMatchObject({ requests: 3, inFlight: 1 });
    expect(pool.load('a')).toEqual({ inFlight: 1, requests: 3, ready: 1 });
  });

  it('keeps the process request counter when a backend leaves (rates never go negative)', () => {
    const { pool, router } = setup([
      { methods: ['.*'], target_processes: ['a'], strategy: 'primary' },
    ]);
    pool.setReady(backend('a', 0), true);
    lease(router.route('/x.X/Y', NONE)).finish(OK);
    pool.remove('a-0');
    pool.setReady(backend('a', 1), true);
    lease(router.route('/x.X/Y', NONE)).finish(OK);
    expect(pool.load('a').requests).toBe(2);
  });

  it('weights split calls between processes of one route', () => {
    const { pool, router } = setup([
      {
        methods: ['.*'],
        target_processes: ['a', 'b'],
        strategy: 'weighted',
        weights: { a: 0, b: 1 },
      },
    ]);
    pool.setReady(backend('a', 0), true);
    pool.setReady(backend('b', 0), true);
    for (let n = 0; n < 5; n++) expect(lease(router.route('/x.X/Y', NONE)).backend.id).toBe('b-0');
  });
});
