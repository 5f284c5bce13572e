/**
 * The process use cases every edge calls (REST now, gRPC next), so both behave identically.
 * Each validates its input, calls the supervisor, and returns a view.
 */
import type { Config } from '../config/index.js';
import type { Supervisor } from '../core/index.js';
import { DaemonError, type Clock } from '../shared/index.js';
import {
  instanceView,
  processDetail,
  processSummary,
  type InstanceMetricsLookup,
  type InstanceView,
  type ProcessDetail,
  type ProcessSummary,
} from './views.js';

export class ProcessUseCases {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly clock: Clock,
    private readonly metricsOf: InstanceMetricsLookup = () => undefined,
  ) {}

  private get config(): Config {
    return this.supervisor.currentConfig();
  }

  list(): { processes: string[]; count: number; items: ProcessSummary[] } {
    const items = this.supervisor
      .list()
      .map(processSummary)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // not localeCompare: ICU collation data costs the daemon ~3 MB
    return { processes: items.map((i) => i.name), count: items.length, items };
  }

  get(name: string): ProcessDetail {
    return processDetail(
      this.supervisor.program(name),
      this.config,
      this.clock.now(),
      this.metricsOf,
    );
  }

  status(name: string): { process: string; instances: InstanceView[]; count: number } {
    const program = this.supervisor.program(name);
    const now = this.clock.now();
    const instances = program.instances().map((i) => instanceView(i, now, this.metricsOf));
    return { process: program.name, instances, count: instances.length };
  }

  /**
   * Starts one more instance (the default); or one stopped/failed instance again (`instanceId`);
   * or (`all`) every failed instance and as many as it takes to reach `instances` again.
   */
  async start(
    name: string,
    options: { instanceId?: string | undefined; all?: boolean | undefined } = {},
  ): Promise<{ message: string; instance?: InstanceView; instances?: InstanceView[] }> {
    this.refuseWhileClosing();
    const program = this.supervisor.program(name);
    refuseBoth(options);
    const now = this.clock.now();
    if (options.all === true) {
      await program.startAll();
      return {
        message: 'process started successfully',
        instances: program.active().map((i) => instanceView(i, now)),
      };
    }
    const instance =
      options.instanceId !== undefined
        ? await program.startInstance(options.instanceId)
        : await program.startOne();
    return {
      message: 'process started successfully',
      instance: instanceView(instance, this.clock.now()),
    };
  }

  async stop(
    name: string,
    options: { instanceId?: string | undefined; all?: boolean | undefined },
  ): Promise<{ message: string }> {
    this.refuseWhileClosing();
    const program = this.supervisor.program(name);
    refuseBoth(options);
    await program.stop(options.all === true ? undefined : options.instanceId);
    return { message: 'process stopped successfully' };
  }

  async restart(
    name: string,
    options: { instanceId?: string | undefined },
  ): Promise<{ message: string; process: ProcessDetail }> {
    this.refuseWhileClosing();
    const program = this.supervisor.program(name);
    await program.restart(options.instanceId);
    return { message: 'process restarted successfully', process: this.get(name) };
  }

  async scale(
    name: string,
    instances: number,
  ): Promise<{ message: string; process: ProcessDetail }> {
    this.refuseWhileClosing();
    await this.supervisor.program(name).scale(instances);
    return { message: `process scaled to ${instances} instance(s)`, process: this.get(name) };
  }

  private refuseWhileClosing(): void {
    if (this.supervisor.isClosing)
      throw new DaemonError('shutting_down', 'the daemon is shutting down');
  }
}

/** `instance_id` names one instance; `all: true` means every one: a request may say only one. */
function refuseBoth(options: { instanceId?: string | undefined; all?: boolean | undefined }): void {
  if (options.instanceId !== undefined && options.all === true) {
    throw new DaemonError(
      'invalid_argument',
      'instance_id and all: true contradict each other; send one of them',
    );
  }
}
