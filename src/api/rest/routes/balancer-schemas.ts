/** The load-balancer and autoscaler routes' shapes (app/balancer-use-cases.ts). */
import { z } from 'zod';

const int = () => z.number().int();

export const callStatsSchema = z
  .object({
    requests: int().meta({ description: 'Calls started (in flight ones included)' }),
    inFlight: int(),
    errors: int().meta({ description: 'Finished calls whose gRPC status was not OK' }),
    byStatus: z
      .record(z.string(), int())
      .meta({ description: 'Finished calls by gRPC status name (OK, UNAVAILABLE...)' }),
    latency: z.object({
      count: int(),
      sumMs: z.number(),
      p50Ms: z.number(),
      p90Ms: z.number(),
      p99Ms: z.number(),
      boundsMs: z.array(z.number()).meta({ description: 'Upper bounds of the buckets (ms)' }),
      counts: z.array(int()).meta({ description: 'Calls per bucket (not cumulative); last +Inf' }),
    }),
  })
  .meta({ description: 'Counters since the daemon started' });

export const balancerSchema = z.object({
  name: z.string(),
  address: z.string().meta({ description: 'host:port the balancer listens on' }),
  port: int(),
  tls: z.boolean(),
  rps: z.number().meta({ description: 'Requests per second, averaged over the last 10 s' }),
  unmatched: int().meta({ description: 'Calls whose method matched no route (UNIMPLEMENTED)' }),
  routes: z.array(
    z.object({
      index: int(),
      methods: z.array(z.string()),
      target_processes: z.array(z.string()),
      strategy: z.string(),
      stats: callStatsSchema,
    }),
  ),
  backends: z.array(
    z.object({
      id: z.string().meta({ description: 'The instance id' }),
      process: z.string(),
      index: int(),
      address: z.string(),
      state: z.enum(['ready', 'not_ready', 'draining', 'ejected']),
      ejectedUntil: int().optional().meta({ description: 'Unix ms; set while ejected' }),
      stats: callStatsSchema,
    }),
  ),
});

export const balancerName = z.object({ name: z.string().min(1).max(200) });

const signalSchema = z.object({
  signal: z.enum(['cpu', 'memory', 'rps', 'in_flight']),
  observed: z.number(),
  target: z.number(),
  ratio: z.number(),
  desired: int(),
});

export const scaleDecisionSchema = z.object({
  at: int().meta({ description: 'Unix ms' }),
  action: z.enum(['scale_up', 'scale_down', 'none']),
  from: int(),
  to: int(),
  recommended: int().meta({ description: 'The raw recommendation (max over signals)' }),
  reason: z.string(),
  held: z
    .enum([
      'tolerance',
      'sustain',
      'cooldown',
      'stabilization',
      'no_signal',
      'last_ready',
      'bounds',
    ])
    .optional(),
  signals: z.array(signalSchema),
  error: z.string().optional(),
});

export const autoscaleSchema = z.object({
  process: z.string(),
  enabled: z.boolean(),
  policy: z
    .object({
      minInstances: int(),
      maxInstances: int(),
      targets: z.object({
        cpuPercent: z.number().optional(),
        memoryBytes: z.number().optional(),
        rpsPerInstance: z.number().optional(),
        inFlightPerInstance: z.number().optional(),
      }),
      tolerance: z.number(),
      sustainMs: int(),
      cooldownMs: int(),
      upStabilizationMs: int(),
      downStabilizationMs: int(),
      upStep: int(),
      downStep: int(),
    })
    .nullable(),
  instances: z.object({ current: int(), ready: int(), desired: int() }),
  decisions: z.array(scaleDecisionSchema).meta({ description: 'Newest last; at most 50' }),
});

export const balancersFrameSchema = z
  .object({
    time: z.string().meta({ description: 'The metrics sample this frame goes with (RFC 3339)' }),
    balancers: z.array(balancerSchema),
  })
  .meta({ description: 'Load balancers with their call stats, sent with each metrics sample' });
