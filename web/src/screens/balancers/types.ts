/** The load-balancer and autoscaler answers (src/api/rest/routes/balancer-schemas.ts). */

export interface CallStats {
  requests: number;
  inFlight: number;
  errors: number;
  byStatus: Record<string, number>;
  latency: {
    count: number;
    sumMs: number;
    p50Ms: number;
    p90Ms: number;
    p99Ms: number;
    boundsMs: number[];
    counts: number[];
  };
}

export type BackendState = 'ready' | 'not_ready' | 'draining' | 'ejected';

export interface Balancer {
  name: string;
  address: string;
  port: number;
  tls: boolean;
  rps: number;
  unmatched: number;
  routes: Array<{
    index: number;
    methods: string[];
    target_processes: string[];
    strategy: string;
    stats: CallStats;
  }>;
  backends: Array<{
    id: string;
    process: string;
    index: number;
    address: string;
    state: BackendState;
    ejectedUntil?: number;
    stats: CallStats;
  }>;
}

export interface BalancerList {
  balancers: Balancer[];
}

/** The `balancers` frame of the event stream (live-events keeps it in ['balancers', 'live']). */
export interface BalancersFrame {
  time: string;
  balancers: Balancer[];
}

export type ScaleSignalName = 'cpu' | 'memory' | 'rps' | 'in_flight';

export interface ScaleDecision {
  at: number;
  action: 'scale_up' | 'scale_down' | 'none';
  from: number;
  to: number;
  recommended: number;
  reason: string;
  held?:
    'tolerance' | 'sustain' | 'cooldown' | 'stabilization' | 'no_signal' | 'last_ready' | 'bounds';
  signals: Array<{
    signal: ScaleSignalName;
    observed: number;
    target: number;
    ratio: number;
    desired: number;
  }>;
  error?: string;
}

export interface Autoscale {
  process: string;
  enabled: boolean;
  policy: {
    minInstances: number;
    maxInstances: number;
    targets: {
      cpuPercent?: number;
      memoryBytes?: number;
      rpsPerInstance?: number;
      inFlightPerInstance?: number;
    };
    tolerance: number;
    sustainMs: number;
    cooldownMs: number;
    upStabilizationMs: number;
    downStabilizationMs: number;
    upStep: number;
    downStep: number;
  } | null;
  instances: { current: number; ready: number; desired: number };
  decisions: ScaleDecision[];
}
