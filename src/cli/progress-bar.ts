/**
 * How `--follow` shows an update or rollback. On a terminal: one line per phase, redrawn in place
 * (\r) while the phase lasts — a bar of the overall progress, and bytes, total and rate while
 * downloading — at most every `intervalMs`, so a fast download does not flood a slow terminal.
 * Elsewhere (a pipe, a CI log): one plain line per phase, no control characters.
 */
import type { UpdateStatusView } from '../app/index.js';
import type { Clock } from '../shared/index.js';

const PHASE_WIDTH = 'health check'.length;
const MIN_BAR = 10;
const MAX_BAR = 30;

/** Bytes in binary units with one decimal (KiB, MiB...), as download sizes are usually read. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const phaseLabel = (status: UpdateStatusView): string => status.status.replaceAll('_', ' ');

const percent = (status: UpdateStatusView): string =>
  `${Math.max(0, Math.min(100, Math.round(status.progress)))}%`;

/** Bytes, total and rate of a download ("12.0 MiB / 40.0 MiB  2.0 MiB/s"); "" outside one. */
export function downloadFigures(status: UpdateStatusView): string {
  const download = status.download;
  if (status.status !== 'downloading' || download === undefined) return '';
  const done =
    download.total === null
      ? formatBytes(download.bytes)
      : `${formatBytes(download.bytes)} / ${formatBytes(download.total)}`;
  return download.rate > 0 ? `${done}  ${formatBytes(download.rate)}/s` : done;
}

function bar(progress: number, width: number): string {
  const filled = Math.round((Math.max(0, Math.min(100, progress)) / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * One terminal line for a status, never longer than `width`: the phase and percent always, then
 * the download figures (or the status message), and a bar when at least 10 columns are left.
 */
export function progressLine(status: UpdateStatusView, width: number): string {
  const head = `${phaseLabel(status).padEnd(PHASE_WIDTH)} ${percent(status).padStart(4)}`;
  const detail = downloadFigures(status) || status.message;
  const room = width - head.length - 2 - (detail ? detail.length + 2 : 0) - 2;
  const barWidth = Math.min(MAX_BAR, room);
  const parts =
    barWidth >= MIN_BAR ? [head, bar(status.progress, barWidth), detail] : [head, detail];
  return fit(parts.filter(Boolean).join('  '), width);
}

/** A plain line for logs and pipes: "[ 42%] downloading: downloading echo.tar.gz (40.0 MiB)". */
export function phaseLine(status: UpdateStatusView): string {
  const figures = downloadFigures(status);
  return `[${percent(status).padStart(4)}] ${phaseLabel(status)}: ${status.message}${figures ? ` (${figures})` : ''}`;
}

export interface ProgressPrinterOptions {
  write(text: string): void;
  /** A terminal: redraw in place. */
  isTty: boolean;
  /** The terminal's width now (it may be resized). */
  columns(): number;
  clock: Clock;
  /** Least time between two redraws of the same phase (default 100 ms). */
  intervalMs?: number;
}

/** Prints the statuses of one update as they arrive (see the top of the file). */
export class ProgressPrinter {
  private shown: UpdateStatusView | undefined;
  private pending: UpdateStatusView | undefined;
  private lastDrawAt = -Infinity;
  private cancelTimer: (() => void) | undefined;
  private lineOpen = false;

  constructor(private readonly options: ProgressPrinterOptions) {}

  update(status: UpdateStatusView): void {
    const phaseChanged = status.status !== this.shown?.status;
    if (!this.options.isTty) {
      if (phaseChanged) this.options.write(`${phaseLine(status)}\n`);
      this.shown = status;
      return;
    }
    const now = this.options.clock.now();
    const interval = this.options.intervalMs ?? 100;
    if (phaseChanged || now - this.lastDrawAt >= interval) {
      // The phase that ends keeps its last figures on its line.
      if (phaseChanged && this.pending !== undefined) this.draw(this.pending, false);
      this.draw(status, phaseChanged);
      return;
    }
    // Too soon: keep the newest and draw it when the interval is up, so the line is never stale.
    this.pending = status;
    this.cancelTimer ??= this.options.clock.setTimeout(
      () => {
        this.cancelTimer = undefined;
        const next = this.pending;
        this.pending = undefined;
        if (next !== undefined) this.draw(next, false);
      },
      interval - (now - this.lastDrawAt),
    );
  }

  /** Draws what is pending and ends the line; call once the update has ended or on abort. */
  finish(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.pending !== undefined) this.draw(this.pending, false);
    this.pending = undefined;
    if (this.lineOpen) this.options.write('\n');
    this.lineOpen = false;
  }

  private draw(status: UpdateStatusView, newPhase: boolean): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.pending = undefined;
    // Each phase keeps its own line: the finished phase stays visible above the live one.
    if (newPhase && this.lineOpen) this.options.write('\n');
    // One column short of the width: writing the last column wraps on some terminals.
    const width = Math.max(20, this.options.columns() - 1);
    this.options.write(`\r${progressLine(status, width)}\x1b[K`);
    this.lineOpen = true;
    this.shown = status;
    this.lastDrawAt = this.options.clock.now();
  }
}
