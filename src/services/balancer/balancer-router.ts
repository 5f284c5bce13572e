/**
 * One balancer's answer to "where does this stream go": the first route whose pattern matches
 * the method, then the route's strategy over the eligible instances of its target processes. The
 * candidate list of each route is cached until the pool changes (or an ejection ends), so a call
 * costs one route lookup, one pick and one lease.
 */
import type { LoadBalancerConfig } from '../../config/index.js';
import type { BackendEntry, BackendPool } from './backend-pool.js';
import { pick } from './pick.js';
import { RouteTable, type CompiledRoute } from './route-table.js';
import { CallStats, type CallStatsSnapshot } from './stats/index.js';
import type { PickCandidate, RouteChoice, StreamRouter } from './types.js';

/** A pick candidate whose in-flight count is read live from its backend. */
class Candidate implements PickCandidate {
  constructor(
    readonly entry: BackendEntry,
    readonly order: number,
    readonly weight: number,
  ) {}
  get id(): string {
    return this.entry.info.id;
  }
  get process(): string {
    return this.entry.info.process;
  }
  get inFlight(): number {
    return this.entry.inFlight;
  }
}

interface RouteState {
  readonly compiled: CompiledRoute;
  readonly stats: CallStats;
  cursor: number;
  candidates: Candidate[];
  /** The pool version and the time until which `candidates` is valid. */
  builtAt: number;
  validUntil: number;
}

export interface RouteView {
  index: number;
  methods: string[];
  target_processes: string[];
  strategy: string;
  stats: CallStatsSnapshot;
}

export class BalancerRouter implements StreamRouter {
  private readonly table: RouteTable;
  private readonly states: RouteState[];
  /** Calls that matched no route (answered UNIMPLEMENTED). */
  unmatched = 0;
  /** The processes any route of this balancer sends calls to. */
  readonly targets: ReadonlySet<string>;

  constructor(
    readonly config: LoadBalancerConfig,
    private readonly pool: BackendPool,
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {
    this.table = new RouteTable(config.routes);
    this.targets = new Set(config.routes.flatMap((r) => r.target_processes));
    this.states = this.table.routes.map((compiled) => ({
      compiled,
      stats: new CallStats(),
      cursor: 0,
      candidates: [],
      builtAt: -1,
      validUntil: 0,
    }));
  }

  route(path: string, exclude: ReadonlySet<string>): RouteChoice {
    const compiled = this.table.match(path);
    if (!compiled) {
      this.unmatched++;
      return { kind: 'no_route' };
    }
    const state = this.states[compiled.index]!;
    const now = this.now();
    if (state.builtAt !== this.pool.version || now >= state.validUntil) this.rebuild(state, now);
    const candidates =
      exclude.size === 0 ? state.candidates : state.candidates.filter((c) => !exclude.has(c.id));
    const { chosen, cursor } = pick(compiled.route.strategy, candidates, state.cursor, this.random);
    state.cursor = cursor;
    if (!chosen) {
      const targets = compiled.route.target_processes.join(', ');
      return {
        kind: 'no_backend',
        message:
          candidates.length === 0
            ? `no ready instance of ${targets} for ${path}`
            : `every ready instance of ${targets} has weight 0 for ${path}`,
      };
    }
    return {
      kind: 'backend',
      lease: this.pool.lease((chosen as Candidate).entry, state.stats, exclude.size > 0),
    };
  }

  views(): RouteView[] {
    return this.states.map((s) => ({
      index: s.compiled.index,
      methods: s.compiled.route.methods,
      target_processes: s.compiled.route.target_processes,
      strategy: s.compiled.route.strategy,
      stats: s.stats.snapshot(),
    }));
  }

  routeStats(): Array<{ label: string; stats: CallStats }> {
    return this.states.map((s) => ({ label: s.compiled.label, stats: s.stats }));
  }

  private rebuild(state: RouteState, now: number): void {
    const route = state.compiled.route;
    const candidates: Candidate[] = [];
    let validUntil = Infinity;
    route.target_processes.forEach((process, position) => {
      const weight = route.weights?.[process] ?? 1;
      for (const entry of this.pool.eligible(process, now)) {
        candidates.push(new Candidate(entry, position * 1_000_000 + entry.info.index, weight));
      }
      validUntil = Math.min(validUntil, this.pool.nextEjectionEnd(process, now));
    });
    state.candidates = candidates;
    state.builtAt = this.pool.version;
    state.validUntil = validUntil;
  }
}
