// Types of load-generator.mjs, for the TypeScript tests (test/bench/).
export declare const ECHO_UNARY: string;
export declare const STATUS_NAMES: readonly string[];

export interface EchoRequestFields {
  payload?: Buffer | string | number;
  delay_ms?: number;
  burn_ms?: number;
  fail_code?: number;
  fail_message?: string;
  count?: number;
}

export interface LoadOptions {
  target: string;
  method?: string;
  request?: Uint8Array | EchoRequestFields;
  mode?: 'closed' | 'open';
  concurrency?: number;
  rate?: number;
  durationMs: number;
  warmupMs?: number;
  channels?: number;
  deadlineMs?: number;
  drainMs?: number;
  connectTimeoutMs?: number;
  workers?: number;
  trackServedBy?: boolean;
  onReply?: (servedBy: string, msSinceWindowStart: number) => void;
  signal?: AbortSignal;
}

export interface LatencySummary {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export interface LoadReport {
  target: string;
  method: string;
  mode: 'closed' | 'open';
  concurrency: number | null;
  rate: number | null;
  channels: number;
  workers: number;
  deadlineMs: number | null;
  warmupMs: number;
  durationMs: number;
  windowMs: number;
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  dropped: number;
  byStatus: Record<string, number>;
  throughput: number;
  okThroughput: number;
  latency: LatencySummary;
  timeline: { second: number; rps: number; nonOk: number; p99: number | null }[];
  servedBy?: Record<string, { count: number; firstMs: number }>;
  clientCpuPercent: number | null;
}

export declare function normalizeOptions(options: LoadOptions): Record<string, unknown>;
export declare function runLoad(options: LoadOptions): Promise<LoadReport>;
