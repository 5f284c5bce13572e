/** The daemon as a whole: health, status, reload, shutdown and restart. */
import type { Supervisor, ReloadSummary } from '../core/index.js';
import { DaemonError, type Clock } from '../shared/index.js';

/**
 * How a restarted daemon comes back: it starts its replacement itself (`respawn`), or it exits
 * with a failure code for the service manager supervising it to start it again.
 */
export type DaemonRestartMethod = 'respawn' | 'service-manager';

export interface DaemonControl {
  /** Re-reads and validates the config file, then applies it. */
  reload(): Promise<ReloadSummary>;
  /** Starts a graceful shutdown (returns at once). */
  shutdown(): void;
  /**
   * Starts a graceful shutdown after which the daemon starts again (returns at once, with how).
   * Absent where the daemon cannot restart itself (an app built for tests): not_implemented.
   */
  restart?(): DaemonRestartMethod;
}

export class DaemonUseCases {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly clock: Clock,
    private readonly startedAt: number,
    private readonly version: string,
    private readonly control: DaemonControl,
    private readonly tunnelHealth: () => { status: string; detail?: string } | undefined = () =>
      undefined,
  ) {}

  health(): {
    status: 'healthy' | 'degraded' | 'shutting_down';
    version: string;
    uptime: number;
    components: Record<string, { status: string; detail?: string }>;
  } {
    const programs = this.supervisor.list();
    const crashing = programs.filter((p) =>
      p.instances().some((i) => i.status === 'failed' || i.status === 'backoff'),
    );
    const tunnel = this.tunnelHealth();
    const status = this.supervisor.isClosing
      ? 'shutting_down'
      : crashing.length > 0 || (tunnel !== undefined && tunnel.status !== 'healthy')
        ? 'degraded'
        : 'healthy';
    return {
      status,
      version: this.version,
      uptime: Math.floor((this.clock.now() - this.startedAt) / 1000),
      components: {
        supervisor:
          crashing.length > 0
            ? {
                status: 'degraded',
                detail: `crash-looping or failed: ${crashing.map((p) => p.name).join(', ')}`,
              }
            : { status: 'healthy' },
        ...(tunnel ? { tunnel } : {}),
      },
    };
  }

  status(): {
    status: 'running' | 'shutting_down';
    processes: number;
    total_instances: number;
    running_instances: number;
    ready_instances: number;
    version: string;
    uptime: number;
    pid: number;
  } {
    const programs = this.supervisor.list();
    const instances = programs.flatMap((p) => p.active());
    return {
      status: this.supervisor.isClosing ? 'shutting_down' : 'running',
      processes: programs.length,
      total_instances: instances.length,
      running_instances: instances.filter((i) => i.pid !== undefined).length,
      ready_instances: instances.filter((i) => i.status === 'healthy').length,
      version: this.version,
      uptime: Math.floor((this.clock.now() - this.startedAt) / 1000),
      pid: process.pid,
    };
  }

  async reload(): Promise<{ message: string } & ReloadSummary> {
    const summary = await this.control.reload();
    const parts = [
      summary.added.length ? `added ${summary.added.join(', ')}` : '',
      summary.removed.length ? `removed ${summary.removed.join(', ')}` : '',
      summary.changed.length ? `restarted ${summary.changed.join(', ')}` : '',
    ].filter(Boolean);
    return {
      message: parts.length
        ? `config reloaded: ${parts.join('; ')}`
        : 'config reloaded: no process changed',
      ...summary,
    };
  }

  shutdown(): { status: 'shutting down' } {
    this.control.shutdown();
    return { status: 'shutting down' };
  }

  restart(): { status: 'restarting'; method: DaemonRestartMethod } {
    if (!this.control.restart)
      throw new DaemonError('not_implemented', 'this daemon cannot restart itself');
    // A restart asked during a shutdown would turn a stop the operator wanted into a start.
    if (this.supervisor.isClosing)
      throw new DaemonError(
        'shutting_down',
        'the daemon is already shutting down; start it again once it has stopped',
      );
    return { status: 'restarting', method: this.control.restart() };
  }
}
