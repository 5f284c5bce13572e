/** Reading what a managed child received, from the print-env fixture's "env {...}" log line. */
import type { DaemonProcess } from './daemon.js';
import { waitFor } from './wait-for.js';

export async function childEnv(
  daemon: DaemonProcess,
  process: string,
  /** An instance index or id; by default every instance of the process (newest line first). */
  instance: string | undefined,
  matches: (env: Record<string, string>) => boolean = () => true,
): Promise<Record<string, string>> {
  let env: Record<string, string> | undefined;
  await waitFor(
    async () => {
      const logs = await daemon.cli([
        'logs',
        process,
        ...(instance === undefined ? [] : ['--instance', instance]),
        '--json',
      ]);
      if (logs.code !== 0) return `logs failed: ${logs.stderr}`;
      const lines = (JSON.parse(logs.stdout) as { lines: Array<{ text: string }> }).lines
        .filter((l) => l.text.startsWith('env '))
        .map((l) => JSON.parse(l.text.slice(4)) as Record<string, string>);
      env = lines.reverse().find(matches);
      return env
        ? true
        : `no matching env line of ${process}/${instance ?? '*'} yet (${lines.length} seen)`;
    },
    { timeoutMs: 15_000 },
  );
  return env!;
}
