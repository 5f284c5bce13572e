import { Writable } from 'node:stream';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { RotatingFileWriter } from './rotating-file.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DaemonLoggerOptions {
  level: LogLevel;
  /** The daemon's own log file (rotated); omit to log to the console only. */
  file?: { path: string; maxSize: number; maxFiles: number };
  /** Also print human-readable lines to this stream (the terminal running `gowinproc run`). */
  console?: NodeJS.WritableStream;
}

/**
 * The daemon's own logger (pino). Child output never goes through it: instance logs have their
 * own writers. Fields that could carry secrets are redacted as a second line of defence.
 */
export function createDaemonLogger(options: DaemonLoggerOptions): {
  logger: Logger;
  close: () => Promise<void>;
} {
  const streams: Array<{ stream: NodeJS.WritableStream; level: LevelWithSilent }> = [];
  let file: RotatingFileWriter | undefined;
  if (options.file) {
    file = new RotatingFileWriter(options.file.path, { ...options.file, mode: 0o640 });
    file.on('error', () => undefined); // a full disk must not take the daemon down
    // Streams take every level: the logger's own level filters, so it can change at run time.
    streams.push({ stream: file, level: 'trace' });
  }
  if (options.console) streams.push({ stream: consoleFormatter(options.console), level: 'trace' });
  const logger = pino(
    {
      level: options.level,
      base: null,
      redact: {
        paths: [
          'env',
          '*.env',
          'secrets',
          '*.secrets',
          'token',
          '*.token',
          'key',
          '*.key',
          'authorization',
        ],
        censor: '[redacted]',
      },
    },
    pino.multistream(streams),
  );
  return {
    logger,
    close: () =>
      new Promise<void>((resolve) => {
        if (!file) return resolve();
        file.end(() => resolve());
      }),
  };
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Turns pino's JSON lines into `12:00:01 INFO  message key=value` for a terminal. */
function consoleFormatter(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        out.write(`${formatConsoleLine(line)}\n`);
      }
      callback();
    },
  });
}

export function formatConsoleLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return jsonLine;
  const { level, time, msg, ...rest } = record;
  const clock = new Date(typeof time === 'number' ? time : Date.now()).toISOString().slice(11, 19);
  const fields = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const name = LEVEL_NAMES[typeof level === 'number' ? level : 30] ?? 'INFO ';
  return `${clock} ${name} ${String(msg ?? '')}${fields ? ` ${fields}` : ''}`;
}
