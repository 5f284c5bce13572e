/**
 * One instance's log: its stdout and stderr, line by line, each line stamped with the time and a
 * stream tag, appended to `logs/<process>/<index>.log` (rotated by size). The child's pipes are
 * paused while the file lags behind (back-pressure), so a chatty child cannot grow the daemon's
 * memory. The daemon's own notes about the instance (started, exited) go in with the `sys` tag.
 */
import type { Readable } from 'node:stream';
import { EventBus, RingBuffer, RotatingFileWriter, type Clock } from '../../shared/index.js';

export type LogStream = 'out' | 'err' | 'sys';

export interface LogLine {
  at: number;
  stream: LogStream;
  text: string;
}

/** Longest line kept whole; longer output is split so one line cannot exhaust memory. */
export const MAX_LINE_BYTES = 64 * 1024;

export class InstanceLog {
  private writer: RotatingFileWriter;
  /** Set after a write error (disk full...): lines are dropped, never queued, until the next run. */
  private broken = false;
  private readonly lines = new EventBus<LogLine>();
  private readonly stderrTail = new RingBuffer<string>(20);
  private readonly sources = new Set<Readable>();
  private readonly paused = new Set<Readable>();

  constructor(
    readonly path: string,
    private readonly rotation: { maxSize: number; maxFiles: number },
    private readonly clock: Clock,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.writer = this.openWriter();
  }

  private openWriter(): RotatingFileWriter {
    const writer = new RotatingFileWriter(this.path, { ...this.rotation, mode: 0o640 });
    writer.on('error', (error: Error) => {
      if (writer !== this.writer || this.broken) return;
      // A child must never block on a pipe because its log cannot be written: drop instead.
      this.broken = true;
      this.onError(error);
      this.resumeAll();
    });
    writer.on('drain', () => this.resumeAll());
    return writer;
  }

  private resumeAll(): void {
    for (const source of this.paused) source.resume();
    this.paused.clear();
  }

  /** Starts copying a child's stream into the log. */
  attach(source: Readable, stream: 'out' | 'err'): void {
    this.sources.add(source);
    let partial = '';
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      while (partial.length > MAX_LINE_BYTES) {
        parts.push(partial.slice(0, MAX_LINE_BYTES));
        partial = partial.slice(MAX_LINE_BYTES);
      }
      let flowing = true;
      for (const line of parts) {
        const text = line.replace(/\r$/, '');
        for (let at = 0; at === 0 || at < text.length; at += MAX_LINE_BYTES) {
          flowing = this.append(stream, text.slice(at, at + MAX_LINE_BYTES)) && flowing;
        }
      }
      if (!flowing && !this.broken) {
        source.pause();
        this.paused.add(source);
      }
    });
    const flush = (): void => {
      if (partial !== '') this.append(stream, partial);
      partial = '';
      this.sources.delete(source);
      this.paused.delete(source);
    };
    source.once('end', flush);
    source.once('close', flush);
    source.on('error', () => undefined);
  }

  /** A note from the daemon itself (`sys` stream). */
  note(text: string): void {
    this.append('sys', text);
  }

  /** Resolves when every attached source has ended (the child's output is fully read). */
  async drained(timeoutMs = 1000): Promise<void> {
    const pending = [...this.sources].map(
      (source) =>
        new Promise<void>((resolve) => {
          if (source.readableEnded || source.destroyed) return resolve();
          source.once('end', () => resolve());
          source.once('close', () => resolve());
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** The last stderr lines of the current run, for crash reports. */
  recentStderr(): string[] {
    return this.stderrTail.toArray();
  }

  /** A new run begins: its crash report must not show the previous run's lines. */
  newRun(): void {
    this.stderrTail.clear();
    if (this.broken) {
      this.broken = false; // try the file again
      this.writer = this.openWriter();
    }
  }

  subscribe(listener: (line: LogLine) => void): () => void {
    return this.lines.subscribe(listener);
  }

  async close(): Promise<void> {
    for (const source of this.sources) source.destroy();
    this.sources.clear();
    if (this.writer.destroyed) return;
    await new Promise<void>((resolve) => this.writer.end(() => resolve()));
  }

  private append(stream: LogStream, text: string): boolean {
    const line: LogLine = { at: this.clock.now(), stream, text };
    if (stream === 'err') this.stderrTail.push(text);
    this.lines.publish(line);
    if (this.broken || this.writer.writableEnded || this.writer.destroyed) return true;
    return this.writer.write(formatLogLine(line));
  }
}

/** `2026-11-29T10:00:00.000Z [out] text` */
export function formatLogLine(line: LogLine): string {
  return `${new Date(line.at).toISOString()} [${line.stream}] ${line.text}\n`;
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[(out|err|sys)\] ?(.*)$/s;

export function parseLogLine(text: string): LogLine | undefined {
  const match = LINE.exec(text);
  if (!match) return undefined;
  return { at: Date.parse(match[1]!), stream: match[2] as LogStream, text: match[3] ?? '' };
}
