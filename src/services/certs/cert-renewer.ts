/**
 * Renews certificates before they expire while their processes keep running: checks at start,
 * then at least once a day (sooner when a certificate falls due before then), regenerates the
 * due ones and calls `onRenewed`, which the daemon wires to a zero-downtime restart so the
 * instances load the new files.
 */
import type { CertificatesConfig, ProcessConfig } from '../../config/index.js';
import { DaemonError, type CancelTimer, type Clock } from '../../shared/index.js';
import { certificatePaths, ensureCertificate, inspectCertificate } from './cert-store.js';
import { DAY_MS } from './x509.js';

/** Never check more often than this, whatever the certificates say. */
export const MIN_CHECK_INTERVAL_MS = 60_000;
/** After a failed renewal, try again this soon rather than tomorrow. */
export const RETRY_AFTER_FAILURE_MS = 60 * 60_000;

export interface CertRenewerOptions {
  clock: Clock;
  /** The certs directory (`paths.certs`). */
  dir: string;
  /** Read at every check, so a reloaded config applies. */
  settings: () => CertificatesConfig;
  /** The configured processes; those without certificates.enabled are skipped. */
  processes: () => readonly ProcessConfig[];
  onRenewed: (processName: string, notAfter: number) => Promise<void> | void;
  onError: (processName: string, error: DaemonError) => void;
  /** Defaults to os.hostname() (read by the store). */
  hostname?: () => string;
}

export class CertRenewer {
  private readonly options: CertRenewerOptions;
  private cancelTimer: CancelTimer | undefined;
  /** Bumped by start() and stop(), so a check still running from an old start cannot reschedule. */
  private generation = 0;
  private running = false;

  constructor(options: CertRenewerOptions) {
    this.options = options;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.cycle(++this.generation);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private isCurrent(generation: number): boolean {
    return this.running && generation === this.generation;
  }

  private async cycle(generation: number): Promise<void> {
    const { nextDueAt, failed } = await this.checkAll(generation);
    if (!this.isCurrent(generation)) return;
    const now = this.options.clock.now();
    let delay = Math.min(DAY_MS, Math.max(MIN_CHECK_INTERVAL_MS, nextDueAt - now));
    if (failed) delay = Math.min(delay, RETRY_AFTER_FAILURE_MS);
    this.cancelTimer = this.options.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      if (this.isCurrent(generation)) void this.cycle(generation);
    }, delay);
  }

  /** One pass over the processes, one at a time (key generation is CPU-heavy). */
  private async checkAll(generation: number): Promise<{ nextDueAt: number; failed: boolean }> {
    let nextDueAt = Number.POSITIVE_INFINITY;
    let failed = false;
    let settings: CertificatesConfig;
    let processes: readonly ProcessConfig[];
    try {
      settings = this.options.settings();
      processes = this.options.processes();
    } catch (error) {
      this.options.onError('', DaemonError.from(error));
      return { nextDueAt, failed: true };
    }
    // With auto_generate off the operator owns the files; the prestart hook warns about expiry.
    if (!settings.auto_generate) return { nextDueAt, failed };
    for (const proc of processes) {
      if (!proc.certificates.enabled) continue;
      if (!this.isCurrent(generation)) break;
      try {
        const dueAt = await this.renewIfDue(proc.name, settings, generation);
        if (dueAt !== undefined) nextDueAt = Math.min(nextDueAt, dueAt);
      } catch (error) {
        failed = true;
        this.options.onError(proc.name, DaemonError.from(error));
      }
    }
    return { nextDueAt, failed };
  }

  /** Returns when a still-valid certificate falls due; undefined when there is nothing to wait for. */
  private async renewIfDue(
    name: string,
    settings: CertificatesConfig,
    generation: number,
  ): Promise<number | undefined> {
    const { clock, dir } = this.options;
    const hostname = this.options.hostname?.();
    const now = clock.now();
    const inspection = await inspectCertificate(
      certificatePaths(dir, name),
      settings,
      now,
      hostname,
    );
    // No files yet: the process has not started with certificates; its prestart hook creates them.
    if (inspection.state === 'missing') return undefined;
    if (inspection.state === 'valid') return inspection.dueAt;
    const ensured = await ensureCertificate({ dir, name, settings, now, hostname, renewDue: true });
    // Even when a starting instance's hook wrote new files first (an expired certificate, changed
    // settings), the running instances still hold the old ones: they need the restart all the same.
    if (this.isCurrent(generation)) await this.options.onRenewed(name, ensured.notAfter);
    return undefined;
  }
}
