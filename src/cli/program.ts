/**
 * The `gowinproc` command line. Every command except `run`, `config` and `keygen`-style local
 * work talks to the daemon over its REST API through DaemonClient. `--json` prints the API's
 * answer as it is. The daemon itself is started by `run`, injected by the composition root.
 */
import { Command, Option } from 'commander';
import { loadConfigFile, printConfig, presentConfig } from '../config/index.js';
import { DaemonClient } from '../client/index.js';
import { DaemonError } from '../shared/index.js';
import { autoscaleText, balancersText, formatLogLine, statusTable } from './format.js';
import { keygenCommand, type GenerateKeys } from './keygen-command.js';
import { RUN_OPTIONS, runCommandOptions, type RunCommandOptions } from './run-options.js';
import { resolveTarget, type TargetOptions } from './target.js';
import { addTrayCommand, type RunTray } from './tray-command.js';
import { addUpdateCommands } from './update-commands.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Readonly<Record<string, string | undefined>>;
}

export interface CliDeps extends CliIo {
  /** Runs the daemon in the foreground; resolves with the exit code. */
  runDaemon(options: RunCommandOptions): Promise<number>;
  /** Creates the auth-worker key pair (`keygen`). */
  generateKeys: GenerateKeys;
  /** Shows the system tray (`tray`); the composition root injects it. */
  runTray?: RunTray;
  version: string;
}

export function buildCli(deps: CliDeps): Command {
  const out = (text: string): void => void deps.stdout.write(`${text}\n`);
  const json = (value: unknown): void => out(JSON.stringify(value, null, 2));

  const program = new Command('gowinproc')
    .description('Process manager for long-running services: start, watch, restart, scale, log.')
    .version(deps.version, '-v, --version')
    // Program options (-v) only before a command: `update NAME --version TAG` is the command's.
    .enablePositionalOptions()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      writeErr: (s) => deps.stderr.write(s),
    });

  const clientFor = async (command: Command): Promise<DaemonClient> => {
    const options = command.optsWithGlobals<TargetOptions>();
    const target = await resolveTarget(options, deps.env);
    return new DaemonClient({ baseUrl: target.baseUrl, apiKey: target.apiKey });
  };

  const withTarget = (command: Command): Command =>
    command
      .option('-c, --config <file>', 'config file of the daemon to talk to (for its address)')
      .option('--url <url>', 'daemon API URL (default from the config, else http://127.0.0.1:8080)')
      .option('--host <host>', 'daemon API host')
      .option('--port <port>', 'daemon API port')
      .addOption(new Option('--api-key <key>', 'API key (or GOWINPROC_API_KEY)'));

  const run = program.command('run').description('run the daemon in the foreground');
  for (const option of RUN_OPTIONS)
    run.option(option.flags, option.description, option.defaultValue);
  run.action(async (options: Record<string, string | undefined>) => {
    process.exitCode = await deps.runDaemon(runCommandOptions(options));
  });

  withTarget(
    program.command('status').alias('ls').description('list processes and instances (like pm2 ls)'),
  )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const client = await clientFor(command);
      const list = await client.processes();
      const details = await Promise.all(list.processes.map((name) => client.process(name)));
      if (options.json) return json({ processes: details });
      out(statusTable(details.map((d) => ({ summary: d, instances: d.instances }))));
    });

  withTarget(
    program
      .command('describe')
      .description('one process in detail: config, instances, recent events'),
  )
    .argument('<name>', 'process name')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const detail = await (await clientFor(command)).process(name);
      if (options.json) return json(detail);
      out(statusTable([{ summary: detail, instances: detail.instances }]));
      out(
        `\nstatus: ${detail.status}   ready ${detail.ready_count}/${detail.desired}   min ${detail.min_instances}   max ${detail.max_instances}`,
      );
      for (const event of detail.events.slice(-10))
        out(
          `  ${new Date(event.at).toISOString()} ${event.type} ${'instance' in event ? event.instance : ''} ${'to' in event ? `-> ${event.to}` : ''} ${'reason' in event && event.reason ? `(${event.reason})` : ''}`,
        );
    });

  withTarget(
    program
      .command('balancers')
      .alias('lb')
      .description('the load balancers: routes, backends and their calls'),
  )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { balancers } = await (await clientFor(command)).balancers();
      if (options.json) return json({ balancers });
      out(balancersText(balancers));
    });

  withTarget(
    program
      .command('autoscale')
      .description("a process's autoscaling policy and its latest decisions with their reasons"),
  )
    .argument('<name>', 'process name')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const view = await (await clientFor(command)).autoscale(name);
      if (options.json) return json(view);
      out(autoscaleText(view));
    });

  withTarget(
    program
      .command('start')
      .description(
        'start one more instance; --instance starts a stopped or failed one again; --all returns to the configured count',
      ),
  )
    .argument('<name>', 'process name')
    .option('-i, --instance <id>', 'instance id or index')
    .option('--all', 'restart failed instances and start as many as the config asks for')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        options: { instance?: string; all?: boolean; json?: boolean },
        command: Command,
      ) => {
        const result = await (
          await clientFor(command)
        ).start(name, {
          ...(options.instance ? { instance_id: options.instance } : {}),
          ...(options.all ? { all: true } : {}),
        });
        if (options.json) return json(result);
        if (result.instance) {
          const i = result.instance;
          out(
            `${name}: started instance ${i.index} (${i.id}), pid ${i.pid ?? '-'}, port ${i.port ?? '-'}`,
          );
        } else {
          out(`${name}: ${result.instances?.length ?? 0} instance(s) running`);
        }
      },
    );

  withTarget(
    program.command('stop').description('stop all instances of a process, or one with --instance'),
  )
    .argument('<name>', 'process name')
    .option('-i, --instance <id>', 'instance id or index')
    .option('--json', 'print JSON')
    .action(
      async (name: string, options: { instance?: string; json?: boolean }, command: Command) => {
        const result = await (
          await clientFor(command)
        ).stop(name, options.instance ? { instance_id: options.instance } : {});
        if (options.json) return json(result);
        out(
          `${name}: ${options.instance ? `instance ${options.instance} stopped` : 'all instances stopped'}`,
        );
      },
    );

  withTarget(
    program
      .command('restart')
      .description('zero-downtime restart of a process (one instance at a time), or one instance'),
  )
    .argument('<name>', 'process name')
    .option('-i, --instance <id>', 'instance id or index')
    .option('--json', 'print JSON')
    .action(
      async (name: string, options: { instance?: string; json?: boolean }, command: Command) => {
        const result = await (
          await clientFor(command)
        ).restart(name, options.instance ? { instance_id: options.instance } : {});
        if (options.json) return json(result);
        out(`${name}: restarted; ${result.process.ready_count}/${result.process.desired} ready`);
      },
    );

  withTarget(program.command('scale').description('set the number of instances'))
    .argument('<name>', 'process name')
    .argument('<count>', 'instances', (value) => {
      if (!/^\d+$/.test(value))
        throw new DaemonError(
          'invalid_argument',
          `count must be a whole number, got ${JSON.stringify(value)}`,
        );
      return Number(value);
    })
    .option('--json', 'print JSON')
    .action(async (name: string, count: number, options: { json?: boolean }, command: Command) => {
      const result = await (await clientFor(command)).scale(name, count);
      if (options.json) return json(result);
      out(`${name}: ${result.message}`);
    });

  withTarget(program.command('logs').description("print a process's logs; -f follows new lines"))
    .argument('<name>', 'process name')
    .option('-f, --follow', 'keep printing new lines')
    .option('-i, --instance <id>', 'instance id or index')
    .option('-n, --tail <lines>', 'lines to print first', '200')
    .option('--json', 'print JSON (one object per line with -f)')
    .action(
      async (
        name: string,
        options: { follow?: boolean; instance?: string; tail: string; json?: boolean },
        command: Command,
      ) => {
        const client = await clientFor(command);
        const tail = Number(options.tail);
        if (!Number.isInteger(tail) || tail < 0)
          throw new DaemonError(
            'invalid_argument',
            `--tail must be a whole number, got ${options.tail}`,
          );
        const showInstance = options.instance === undefined;
        if (!options.follow) {
          const result = await client.logs(name, { instance: options.instance, tail });
          if (options.json) return json(result);
          for (const line of result.lines) out(formatLogLine(line, showInstance));
          return;
        }
        const abort = new AbortController();
        const onSignal = (): void => abort.abort();
        process.once('SIGINT', onSignal);
        try {
          await client.followLogs(
            name,
            { instance: options.instance, tail },
            (line) => out(options.json ? JSON.stringify(line) : formatLogLine(line, showInstance)),
            abort.signal,
          );
        } finally {
          process.off('SIGINT', onSignal);
        }
      },
    );

  addUpdateCommands(program, {
    withTarget,
    clientFor,
    out,
    json,
    stdout: deps.stdout,
    stderr: deps.stderr,
  });

  addTrayCommand(program, {
    withTarget,
    runTray: deps.runTray,
    env: deps.env,
    stderr: deps.stderr,
  });

  withTarget(program.command('reload').description('re-read the config file and apply the changes'))
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const result = await (await clientFor(command)).reload();
      if (options.json) return json(result);
      out(result.message);
      if (result.restartRequired.length > 0)
        out(`restart the daemon to apply changes to: ${result.restartRequired.join(', ')}`);
    });

  withTarget(program.command('shutdown').description('stop every instance and the daemon')).action(
    async (_options: unknown, command: Command) => {
      await (await clientFor(command)).shutdown();
      out('daemon is shutting down');
    },
  );

  withTarget(
    program
      .command('restart-daemon')
      .description('stop every instance and the daemon, then start the daemon again'),
  ).action(async (_options: unknown, command: Command) => {
    const { method } = await (await clientFor(command)).restartDaemon();
    out(
      method === 'respawn'
        ? 'daemon is restarting (it starts its replacement once every instance has stopped)'
        : 'daemon is restarting (it exits for its service manager to start it again)',
    );
  });

  const config = program.command('config').description('check or print a config file');
  config
    .command('check')
    .description('validate a config file; lists every problem with its line')
    .argument('[file]', 'config file', 'config.yaml')
    .action(async (file: string) => {
      const loaded = await loadConfigFile(file, { env: deps.env });
      out(
        `${loaded.source}: OK (${loaded.processes.length} process${loaded.processes.length === 1 ? '' : 'es'}, ${loaded.load_balancers.length} load balancer${loaded.load_balancers.length === 1 ? '' : 's'})`,
      );
    });
  config
    .command('print')
    .description('print the normalised config: every default filled in, secrets masked')
    .argument('[file]', 'config file', 'config.yaml')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const loaded = await loadConfigFile(file, { env: deps.env });
      if (options.json) return json(presentConfig(loaded));
      deps.stdout.write(printConfig(loaded));
    });

  program.addCommand(
    keygenCommand(
      deps.generateKeys,
      async (file) => {
        const config = await loadConfigFile(file, { env: deps.env });
        return { clientId: config.secrets.cloudflare.client_id, outDir: config.paths.keys };
      },
      out,
    ),
  );

  return program;
}

/** Runs the CLI; prints errors as one clear line and returns the exit code. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  const program = buildCli(deps);
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (
      code === 'commander.helpDisplayed' ||
      code === 'commander.version' ||
      code === 'commander.help'
    )
      return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    const failure = DaemonError.from(error);
    deps.stderr.write(`error: ${failure.message}\n`);
    return 1;
  }
}
