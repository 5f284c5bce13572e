/**
 * After a certificate is renewed, the instances of its process must restart (zero downtime) to
 * load the new files. The restart may collide with another operation on that process (a boot,
 * a scale, an update): it is retried until it happens. A process with no instance running is
 * not started for it; its next start reads the new files anyway.
 */
import type { ServiceEventBody, Supervisor } from '../core/index.js';
import { DaemonError, type CancelTimer, type Clock } from '../shared/index.js';

export const RETRY_RESTART_MS = 30_000;

export class CertificateRestarts {
  private readonly pending = new Map<string, CancelTimer>();
  private stopped = false;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly clock: Clock,
    private readonly report: (name: string, body: ServiceEventBody) => void,
  ) {}

  /** Restarts the process's running instances now, or as soon as it is free. */
  async restart(name: string): Promise<void> {
    this.pending.get(name)?.();
    this.pending.delete(name);
    if (this.stopped) return;
    let program;
    try {
      program = this.supervisor.program(name);
    } catch {
      return; // removed by a reload since
    }
    if (program.active().length === 0) return;
    try {
      await program.restart();
    } catch (error) {
      const failure = DaemonError.from(error);
      const busy = failure.code === 'operation_in_progress';
      if (!busy && failure.code === 'shutting_down') return;
      this.report(name, {
        type: 'process.warning',
        message: `restart to load the renewed certificate ${busy ? 'waits for the current operation' : `failed (${failure.message})`}; retrying in ${RETRY_RESTART_MS / 1000}s`,
      });
      this.pending.set(
        name,
        this.clock.setTimeout(() => void this.restart(name), RETRY_RESTART_MS),
      );
    }
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }
}
