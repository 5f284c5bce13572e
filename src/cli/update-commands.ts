/**
 * Hot-deploy commands: `update NAME | --all`, `rollback NAME`, `versions NAME`, `updates`. An
 * update answers at once with its id; `--follow` then shows its phases until it ends, and the
 * exit code says how it ended (0 completed; 1 failed or rolled back, with the reason on stderr).
 */
import { Option, type Command } from 'commander';
import type { UpdateStatusView } from '../app/index.js';
import type { DaemonClient } from '../client/index.js';
import { DaemonError, systemClock, type Clock } from '../shared/index.js';
import { ProgressPrinter } from './progress-bar.js';
import {
  availableText,
  completedText,
  unsuccessfulText,
  updateAllText,
  versionChange,
  versionsText,
} from './update-format.js';

export const UPDATE_STRATEGY_CHOICES = ['rolling', 'blue-green', 'immediate'] as const;

export interface UpdateCommandContext {
  /** Adds the options that say which daemon to talk to. */
  withTarget(command: Command): Command;
  clientFor(command: Command): Promise<DaemonClient>;
  out(text: string): void;
  json(value: unknown): void;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  clock?: Clock;
}

export function addUpdateCommands(program: Command, context: UpdateCommandContext): void {
  const { withTarget, clientFor, out, json } = context;

  /** Follows one update or rollback to its end; a failure becomes the command's error. */
  const follow = async (
    client: DaemonClient,
    id: string,
    asJson: boolean | undefined,
  ): Promise<void> => {
    const stdout = context.stdout as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
    const printer = new ProgressPrinter({
      write: (text) => void stdout.write(text),
      isTty: stdout.isTTY === true,
      columns: () => stdout.columns ?? 80,
      clock: context.clock ?? systemClock,
    });
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    let final: UpdateStatusView | undefined;
    try {
      final = await client.followUpdate(
        id,
        (status) => (asJson ? out(JSON.stringify(status)) : printer.update(status)),
        abort.signal,
      );
    } finally {
      process.off('SIGINT', onSignal);
      printer.finish();
    }
    if (final === undefined) {
      context.stderr.write(`stopped following ${id}; it goes on in the daemon\n`);
      process.exitCode = 130;
      return;
    }
    if (final.status === 'completed') {
      if (!asJson) out(completedText(final));
      return;
    }
    throw new DaemonError(final.error?.code ?? 'internal', unsuccessfulText(final));
  };

  withTarget(
    program
      .command('update')
      .description(
        'update a process to a release (default: its latest) without downtime, or every process with --all',
      ),
  )
    .argument('[name]', 'process name')
    .option('--version <tag>', 'the release tag to install (default: the latest)')
    .addOption(
      new Option(
        '--strategy <strategy>',
        "how instances are replaced (default: the process's)",
      ).choices(UPDATE_STRATEGY_CHOICES),
    )
    .option('--force', 'reinstall even when the process already runs that version')
    .option('-f, --follow', 'show the phases until the update ends; exit 1 unless it completes')
    .option('--all', 'update every process whose latest release is not the one it runs')
    .option('--json', 'print JSON (one status per line with --follow)')
    .action(
      async (
        name: string | undefined,
        options: {
          version?: string;
          strategy?: string;
          force?: boolean;
          follow?: boolean;
          all?: boolean;
          json?: boolean;
        },
        command: Command,
      ) => {
        if (options.all) {
          if (name !== undefined)
            throw new DaemonError(
              'invalid_argument',
              `update --all updates every process: leave out the name "${name}"`,
            );
          if (options.version !== undefined || options.follow)
            throw new DaemonError(
              'invalid_argument',
              'update --all takes no --version nor --follow (each process goes to its own latest release); follow one with "gowinproc update NAME --follow"',
            );
          const result = await (
            await clientFor(command)
          ).updateAll({ strategy: options.strategy, force: options.force });
          return options.json ? json(result) : out(updateAllText(result));
        }
        if (name === undefined)
          throw new DaemonError(
            'invalid_argument',
            'update needs a process name, or --all for every process',
          );
        const client = await clientFor(command);
        const started = await client.update(name, {
          version: options.version,
          strategy: options.strategy,
          force: options.force,
        });
        if (options.json && !options.follow) return json(started);
        if (!options.json)
          out(
            `${name}: update ${started.update_id} started: ${versionChange(started.current_version, started.target_version)}`,
          );
        if (options.follow) await follow(client, started.update_id, options.json);
      },
    );

  withTarget(
    program
      .command('rollback')
      .description('go back to an installed version of a process (default: the previous one)'),
  )
    .argument('<name>', 'process name')
    .option('--version <tag>', 'the installed version to run (default: the previous one)')
    .option('-f, --follow', 'show the phases until the rollback ends; exit 1 unless it completes')
    .option('--json', 'print JSON (one status per line with --follow)')
    .action(
      async (
        name: string,
        options: { version?: string; follow?: boolean; json?: boolean },
        command: Command,
      ) => {
        const client = await clientFor(command);
        const started = await client.rollback(name, { version: options.version });
        if (options.json && !options.follow) return json(started);
        if (!options.json)
          out(
            `${name}: rollback ${started.rollback_id} started: ${versionChange(started.from_version, started.to_version)}`,
          );
        if (options.follow) await follow(client, started.rollback_id, options.json);
      },
    );

  withTarget(
    program
      .command('versions')
      .description(
        "a process's current, previous and latest version, its instances' versions and the install history",
      ),
  )
    .argument('<name>', 'process name')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const view = await (await clientFor(command)).version(name);
      return options.json ? json(view) : out(versionsText(view));
    });

  withTarget(
    program
      .command('updates')
      .description('the latest release of every process with a repository, and whether it runs it'),
  )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { updates } = await (await clientFor(command)).availableUpdates();
      return options.json ? json({ updates }) : out(availableText(updates));
    });
}
