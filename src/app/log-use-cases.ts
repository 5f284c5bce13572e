/**
 * Reading instance logs: the last lines from the files (so stopped instances' logs stay
 * readable), and following new lines as they are written.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readLogTail, type InstanceLogLine, type Supervisor } from '../core/index.js';
import { DaemonError } from '../shared/index.js';

export interface LogLineView {
  process: string;
  instance: number;
  instance_id: string | null;
  time: string;
  stream: 'out' | 'err' | 'sys';
  text: string;
}

export const MAX_TAIL = 10_000;

export class LogUseCases {
  constructor(private readonly supervisor: Supervisor) {}

  async tail(
    name: string,
    options: { instance?: string | undefined; tail: number },
  ): Promise<{ process: string; lines: LogLineView[] }> {
    const program = this.supervisor.program(name);
    if (!Number.isInteger(options.tail) || options.tail < 0 || options.tail > MAX_TAIL) {
      throw new DaemonError(
        'invalid_argument',
        `tail must be a whole number from 0 to ${MAX_TAIL}, got ${options.tail}`,
      );
    }
    const dir = join(this.supervisor.currentConfig().paths.logs, program.name);
    const indexes =
      options.instance === undefined
        ? await this.loggedIndexes(dir)
        : [this.resolveIndex(name, options.instance)];
    const ids = new Map(program.instances().map((i) => [i.index, i.id]));
    const perInstance = await Promise.all(
      indexes.map(async (index) =>
        (
          await readLogTail(join(dir, `${index}.log`), options.tail, program.config.logs.max_files)
        ).map((line): LogLineView & { at: number } => ({
          at: line.at,
          process: program.name,
          instance: index,
          instance_id: ids.get(index) ?? null,
          time: new Date(line.at).toISOString(),
          stream: line.stream,
          text: line.text,
        })),
      ),
    );
    const lines = perInstance
      .flat()
      .sort((a, b) => a.at - b.at)
      .slice(-options.tail)
      .map(({ at: _at, ...view }) => view);
    return { process: program.name, lines };
  }

  /** Calls onLine for every new line; returns the unsubscribe function. */
  follow(
    name: string,
    options: { instance?: string | undefined },
    onLine: (line: LogLineView) => void,
  ): () => void {
    const program = this.supervisor.program(name);
    const index =
      options.instance === undefined ? undefined : this.resolveIndex(name, options.instance);
    return this.supervisor.logLines.subscribe((line: InstanceLogLine) => {
      if (line.process !== program.name || (index !== undefined && line.index !== index)) return;
      onLine({
        process: line.process,
        instance: line.index,
        instance_id: line.instance,
        time: new Date(line.at).toISOString(),
        stream: line.stream,
        text: line.text,
      });
    });
  }

  /** An instance given by id (current instances) or by index (any, even stopped). */
  private resolveIndex(name: string, ref: string): number {
    if (/^\d+$/.test(ref)) return Number(ref);
    return this.supervisor.program(name).find(ref).index;
  }

  private async loggedIndexes(dir: string): Promise<number[]> {
    try {
      return (await readdir(dir))
        .map((file) => /^(\d+)\.log$/.exec(file)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }
}
