/**
 * The app's views as grpc.md's messages. Field meanings follow the original gowinproc: times in
 * unix seconds, 0 for "none" (a pid or port the instance does not have), the config without
 * secrets (env and tokens have no field at all). A metric the OS does not give here (per-process
 * network bytes; disk bytes on macOS) stays unset (0), as proto3 has no null: never faked.
 */
import { join, resolve } from 'node:path';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type {
  AggregatedMetricsView,
  InstanceMetricsView,
  InstanceView,
  ProcessDetail,
} from '../../app/index.js';
import type { Config, ProcessConfig } from '../../config/index.js';
import type {
  AggregatedMetricsSchema,
  EventSchema,
  ProcessMetricsSchema,
  ProcessConfigSchema,
  ProcessInfoSchema,
  ProcessInstanceSchema,
} from '../../gen/proto/process_manager_pb.js';

export type SupervisorEvent = ProcessDetail['events'][number];

type ProcessInfoInit = MessageInitShape<typeof ProcessInfoSchema>;
type ProcessInstanceInit = MessageInitShape<typeof ProcessInstanceSchema>;
type ProcessConfigInit = MessageInitShape<typeof ProcessConfigSchema>;
type EventInit = MessageInitShape<typeof EventSchema>;
type ProcessMetricsInit = MessageInitShape<typeof ProcessMetricsSchema>;
type AggregatedMetricsInit = MessageInitShape<typeof AggregatedMetricsSchema>;

/** `config` is the daemon's current config, for the fields the API view does not carry. */
export function processInfoMessage(detail: ProcessDetail, config: Config): ProcessInfoInit {
  const process = config.processes.find((p) => p.name === detail.name);
  const envFile = process?.secrets.enabled ? process.secrets.env_file : '';
  return {
    name: detail.name,
    instances: detail.instances.map((i) => instanceMessage(i, envFile)),
    instanceCount: detail.instance_count,
    ...(process ? { config: processConfigMessage(process, config.paths.certs) } : {}),
  };
}

export function instanceMessage(view: InstanceView, envFilePath: string): ProcessInstanceInit {
  return {
    id: view.id,
    processName: view.process_name,
    pid: view.pid ?? 0,
    status: view.status,
    startTime:
      view.start_time === null ? 0n : BigInt(Math.floor(Date.parse(view.start_time) / 1000)),
    port: view.port ?? 0,
    envFilePath,
    ...(view.metrics ? { metrics: processMetricsMessage(view.metrics) } : {}),
  };
}

/** uint64 fields: whole, never negative; null (not measured here) stays unset. */
const u64 = (value: number | null): bigint => BigInt(Math.max(0, Math.round(value ?? 0)));

export function processMetricsMessage(view: InstanceMetricsView): ProcessMetricsInit {
  return {
    instanceId: view.instance_id,
    cpuUsage: view.cpu_usage ?? 0,
    memoryUsage: u64(view.memory_usage),
    diskRead: u64(view.disk_read),
    diskWrite: u64(view.disk_write),
    networkRecv: u64(view.network_recv),
    networkSent: u64(view.network_sent),
    uptime: BigInt(view.uptime),
  };
}

export function aggregatedMetricsMessage(view: AggregatedMetricsView): AggregatedMetricsInit {
  return {
    totalCpuUsage: view.total_cpu_usage ?? 0,
    totalMemoryUsage: u64(view.total_memory_usage),
    totalDiskRead: u64(view.total_disk_read),
    totalDiskWrite: u64(view.total_disk_write),
    totalNetworkRecv: u64(view.total_network_recv),
    totalNetworkSent: u64(view.total_network_sent),
    instanceCount: view.instance_count,
  };
}

export function processConfigMessage(process: ProcessConfig, certsDir: string): ProcessConfigInit {
  const certs = resolve(certsDir);
  return {
    name: process.name,
    binaryPath: process.binary_path ?? '',
    args: process.args,
    workDir: process.work_dir,
    port: process.port ?? 0,
    minInstances: process.min_instances,
    maxInstances: process.max_instances,
    autoRestart: process.restart.policy !== 'never',
    github: {
      repo: process.repository ?? '',
      autoUpdate: process.github.auto_update,
      updateCheckInterval: Math.round(process.github.update_check_interval / 1000),
    },
    secrets: {
      enabled: process.secrets.enabled,
      source: process.secrets.source,
      envFile: process.secrets.env_file,
    },
    certificates: process.certificates.enabled
      ? {
          enabled: true,
          certPath: join(certs, `${process.name}.crt`),
          keyPath: join(certs, `${process.name}.key`),
        }
      : { enabled: false },
  };
}

/** One supervisor event, with the whole event as the SSE stream sends it in `json`. */
export function eventMessage(event: SupervisorEvent): EventInit {
  return {
    seq: BigInt(event.seq),
    at: BigInt(event.at),
    type: event.type,
    processName: event.process,
    instanceId: 'instance' in event ? event.instance : '',
    instanceIndex: 'index' in event ? event.index : 0,
    json: JSON.stringify(event),
  };
}
