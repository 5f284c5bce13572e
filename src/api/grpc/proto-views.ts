/**
 * The app's views as grpc.md's messages. Field meanings follow the original gowinproc: times in
 * unix seconds, 0 for "none" (a pid or port the instance does not have), the config without
 * secrets (env and tokens have no field at all). Instance metrics stay unset until the metrics
 * feature measures them: never faked.
 */
import { join, resolve } from 'node:path';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { InstanceView, ProcessDetail } from '../../app/index.js';
import type { Config, ProcessConfig } from '../../config/index.js';
import type {
  EventSchema,
  ProcessConfigSchema,
  ProcessInfoSchema,
  ProcessInstanceSchema,
} from '../../gen/proto/process_manager_pb.js';

export type SupervisorEvent = ProcessDetail['events'][number];

type ProcessInfoInit = MessageInitShape<typeof ProcessInfoSchema>;
type ProcessInstanceInit = MessageInitShape<typeof ProcessInstanceSchema>;
type ProcessConfigInit = MessageInitShape<typeof ProcessConfigSchema>;
type EventInit = MessageInitShape<typeof EventSchema>;

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
