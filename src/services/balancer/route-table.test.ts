import { describe, expect, it } from 'vitest';
import type { LoadBalancerRoute } from '../../config/index.js';
import { DaemonError } from '../../shared/index.js';
import { ROUTE_CACHE_SIZE, RouteTable } from './route-table.js';

const route = (methods: string[], target = 'svc'): LoadBalancerRoute => ({
  methods,
  target_processes: [target],
  strategy: 'round_robin',
});

describe('RouteTable', () => {
  // The shape of the original's config.loadbalancer.example.yaml.
  const table = new RouteTable([
    route(['.*/user\\..*'], 'user-service'),
    route(['/fixture\\.echo\\.Echo/(Unary|Bidi)$', '/fixture\\.echo\\.Other/'], 'echo'),
    route(['.*'], 'fallback'),
  ]);

  it('compiles each route with its index and a label of its methods', () => {
    expect(table.routes.map((r) => [r.index, r.label])).toEqual([
      [0, '.*/user\\..*'],
      [1, '/fixture\\.echo\\.Echo/(Unary|Bidi)$|/fixture\\.echo\\.Other/'],
      [2, '.*'],
    ]);
    expect(table.routes[1]?.patterns).toHaveLength(2);
    expect(table.routes[1]?.route.target_processes).toEqual(['echo']);
  });

  it('matches unanchored, like Go regexp.MatchString', () => {
    const only = new RouteTable([route(['user\\.UserService'])]);
    expect(only.match('/api.user.UserService/Get')?.index).toBe(0);
    expect(only.match('/other.Service/Get')).toBeUndefined();
  });

  it('the first matching route wins, whichever pattern of it matches', () => {
    expect(table.match('/user.UserService/Get')?.index).toBe(0);
    expect(table.match('/app.user.UserService/Get')?.index).toBe(2);
    expect(table.match('/fixture.echo.Echo/Unary')?.index).toBe(1);
    expect(table.match('/fixture.echo.Other/Unary')?.index).toBe(1);
    expect(table.match('/fixture.echo.Echo/ServerStream')?.index).toBe(2);
  });

  it('answers no route when nothing matches', () => {
    const narrow = new RouteTable([route(['^/a\\.B/C$'])]);
    expect(narrow.match('/a.B/C')?.index).toBe(0);
    expect(narrow.match('/a.B/CD')).toBeUndefined();
    expect(new RouteTable([]).match('/a.B/C')).toBeUndefined();
  });

  it('gives the same answer from its cache, for matches and misses', () => {
    const narrow = new RouteTable([route(['^/a\\.B/'])]);
    const first = narrow.match('/a.B/C');
    expect(narrow.match('/a.B/C')).toBe(first);
    expect(narrow.match('/x.Y/Z')).toBeUndefined();
    expect(narrow.match('/x.Y/Z')).toBeUndefined();
    expect(narrow.cachedPaths).toBe(2);
  });

  it('does not run the regexes again for a path it has seen', () => {
    const narrow = new RouteTable([route(['^/a\\.B/'])]);
    const pattern = narrow.routes[0]!.patterns[0]!;
    let tests = 0;
    const test = pattern.test.bind(pattern);
    pattern.test = (input: string) => {
      tests++;
      return test(input);
    };
    for (let i = 0; i < 100; i++) narrow.match('/a.B/C');
    for (let i = 0; i < 100; i++) narrow.match('/nope/C');
    expect(tests).toBe(2);
  });

  it('keeps its cache bounded, forgetting the oldest paths first', () => {
    const narrow = new RouteTable([route(['^/a\\.B/'])]);
    for (let i = 0; i < ROUTE_CACHE_SIZE * 3; i++) narrow.match(`/junk.Service/M${i}`);
    expect(narrow.cachedPaths).toBe(ROUTE_CACHE_SIZE);
    // Answers stay right after eviction.
    expect(narrow.match('/a.B/C')?.index).toBe(0);
    expect(narrow.match('/junk.Service/M0')).toBeUndefined();
    expect(narrow.cachedPaths).toBe(ROUTE_CACHE_SIZE);

    const small = new RouteTable([route(['^/a\\.B/'])], 2);
    small.match('/a.B/1');
    small.match('/a.B/2');
    small.match('/a.B/3');
    expect(small.cachedPaths).toBe(2);
  });

  it('with a cache size of 0 it remembers nothing and still answers', () => {
    const uncached = new RouteTable([route(['B'])], 0);
    for (let i = 0; i < 5; i++) expect(uncached.match('/a.B/C')?.index).toBe(0);
    expect(uncached.cachedPaths).toBe(0);
  });

  it('refuses a bad pattern with config_invalid naming it', () => {
    let thrown: unknown;
    try {
      new RouteTable([route(['.*']), route(['ok', '(unclosed'])]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DaemonError);
    expect(thrown).toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('"(unclosed"'),
      details: { route: 1, method: 1, pattern: '(unclosed' },
    });
    expect((thrown as Error).message).toMatch(/^route 1 method 1/);
  });
});
