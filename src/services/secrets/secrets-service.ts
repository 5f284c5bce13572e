/**
 * Per-process secret resolution, the `.env` layer of every child's environment
 * (../shared/spec/child.md, layer 2).
 * - local source: the process's `.env`, re-read at every start, so an edit applies on the next
 *   restart. A missing file is a warning, unless the process declared `source: local`.
 * - cloudflare source: the worker's secrets, filtered by `secrets_keys`, are written to the `.env`
 *   when it is missing, when it was generated for other keys, or once per daemon run with
 *   `secrets.override`; then the file is read like a local one.
 * Events name keys, never values.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config, ProcessConfig } from '../../config/index.js';
import type { HookEventBody } from '../../core/index.js';
import { DaemonError, type Clock } from '../../shared/index.js';
import { readEnvFile, writeEnvFile } from './env-file.js';
import { SecretCache, type FetchSecrets } from './secret-cache.js';
import { diffKeys, hasChanges, selectSecrets } from './select-secrets.js';

export type ReportEvent = (body: HookEventBody) => void;

export interface SecretsServiceOptions {
  /** The current config (it changes on reload). */
  config: () => Config;
  /** Logs in to the auth worker and returns its secretData; absent without a worker. */
  fetchSecrets?: FetchSecrets | undefined;
  clock: Clock;
}

/** Marks a `.env` we generated, with the secrets_keys it was generated for. */
const KEYS_MARK = 'gowinproc-keys: ';

export class SecretsService {
  private readonly cache: SecretCache | undefined;
  /** Processes whose file `secrets.override` has regenerated in this daemon run. */
  private readonly regenerated = new Set<string>();
  private readonly generating = new Map<string, Promise<void>>();
  /** Fingerprints of the values each process last received, to report changed names. */
  private readonly loaded = new Map<string, Map<string, string>>();
  private readonly warnedMissing = new Set<string>();

  constructor(private readonly options: SecretsServiceOptions) {
    const ttl = options.config().secrets.cloudflare.cache_ttl;
    this.cache = options.fetchSecrets
      ? new SecretCache(options.fetchSecrets, options.clock, ttl)
      : undefined;
  }

  /** The variables of the process's `.env` for one instance start. */
  async envFor(proc: ProcessConfig, report: ReportEvent): Promise<Record<string, string>> {
    if (!proc.secrets.enabled) return {};
    const file = proc.secrets.env_file;
    if (proc.secrets.source === 'cloudflare') await this.generateOnce(proc, report);
    const read = await readEnvFile(file);
    if (read.kind === 'missing') {
      if (proc.secrets.required) {
        throw new DaemonError(
          'secrets_missing',
          `process ${proc.name} declares secrets.source: local but ${file} does not exist; create it (KEY=value lines, mode 0600) or remove secrets.source`,
          { details: { process: proc.name, file } },
        );
      }
      if (!this.warnedMissing.has(proc.name)) {
        this.warnedMissing.add(proc.name);
        report({
          type: 'instance.warning',
          message: `no .env file at ${file}; ${proc.name} starts without secrets (create the file to add some, or set secrets.enabled: false)`,
        });
      }
      this.noteLoaded(proc, file, {}, report);
      return {};
    }
    this.warnedMissing.delete(proc.name);
    this.noteLoaded(proc, file, read.values, report);
    return read.values;
  }

  /**
   * At daemon start-up: writes the `.env` of every process that takes Cloudflare secrets and has
   * none yet (or all of them with `secrets.override`), with one login for all. A failure is
   * reported, not thrown: each instance start tries again and fails visibly if it must.
   */
  async prepare(
    processes: readonly ProcessConfig[],
    report: (proc: string, message: string) => void,
  ): Promise<void> {
    await Promise.all(
      processes
        .filter((p) => p.secrets.enabled && p.secrets.source === 'cloudflare')
        .map((proc) =>
          this.generateOnce(proc, (body) => {
            if (body.type === 'instance.warning') report(proc.name, body.message);
          }).catch((error: unknown) =>
            report(
              proc.name,
              `cannot prepare ${proc.secrets.env_file}: ${(error as Error).message}`,
            ),
          ),
        ),
    );
  }

  /** GITHUB_TOKEN: the configured token, else the auth worker's secret of that name. */
  async githubToken(): Promise<string | undefined> {
    const configured = this.options.config().github.token;
    if (configured !== undefined && configured !== '') return configured;
    if (!this.cache) return undefined;
    try {
      return (await this.cache.get())['GITHUB_TOKEN'];
    } catch {
      return undefined;
    }
  }

  private generateOnce(proc: ProcessConfig, report: ReportEvent): Promise<void> {
    // Instances of one process start in parallel: one generation for all of them.
    let pending = this.generating.get(proc.name);
    if (!pending) {
      pending = this.generate(proc, report).finally(() => this.generating.delete(proc.name));
      this.generating.set(proc.name, pending);
    }
    return pending;
  }

  private async generate(proc: ProcessConfig, report: ReportEvent): Promise<void> {
    const file = proc.secrets.env_file;
    const wantedKeys = keysMark(proc.secrets_keys);
    const existing = await generatedFor(file);
    const override = this.options.config().secrets.override && !this.regenerated.has(proc.name);
    // An operator's own file (no mark) is left alone unless override asks for regeneration.
    if (
      existing.exists &&
      !override &&
      (existing.keys === undefined || existing.keys === wantedKeys)
    )
      return;
    if (!this.cache) {
      throw new DaemonError(
        'hook_failed',
        `process ${proc.name} takes secrets from Cloudflare, but the daemon started without secrets.cloudflare.worker_url and private_key_path; set them and restart the daemon`,
      );
    }
    let all: Record<string, string>;
    try {
      all = await this.cache.get();
    } catch (error) {
      if (!existing.exists) throw error;
      report({
        type: 'instance.warning',
        message: `could not refresh ${file} from the auth worker (${(error as Error).message}); starting with the existing file`,
      });
      // Not again at every start of this run: each attempt costs the whole retry budget.
      this.regenerated.add(proc.name);
      return;
    }
    const selected = selectSecrets(all, proc.secrets_keys);
    if (selected.receivedAll) {
      report({
        type: 'instance.warning',
        message: `${proc.name} has no secrets_keys, so it receives every secret of the auth worker (${Object.keys(all).length}); list the ones it needs in processes[].secrets_keys`,
      });
    }
    if (selected.missing.length > 0) {
      report({
        type: 'instance.warning',
        message: `the auth worker has no secret named ${selected.missing.join(', ')} (listed in secrets_keys of ${proc.name})`,
      });
    }
    const { skipped } = await writeEnvFile(file, selected.values, [
      `Generated by gowinproc from the Cloudflare auth worker for process ${proc.name}.`,
      'Edits apply at the next restart; secrets.override: true regenerates it when gowinproc starts.',
      `${KEYS_MARK}${wantedKeys}`,
    ]);
    if (skipped.length > 0) {
      report({
        type: 'instance.warning',
        message: `left ${skipped.join(', ')} out of ${file}: a .env file cannot hold that name or value (it mixes all three quote kinds with a line break, # or edge spaces)`,
      });
    }
    this.regenerated.add(proc.name);
  }

  private noteLoaded(
    proc: ProcessConfig,
    file: string,
    values: Record<string, string>,
    report: ReportEvent,
  ): void {
    const after = new Map(Object.entries(values).map(([k, v]) => [k, fingerprint(v)]));
    const before = this.loaded.get(proc.name);
    this.loaded.set(proc.name, after);
    const changes = diffKeys(before ?? new Map(), after);
    if (before !== undefined && !hasChanges(changes)) return;
    if (before === undefined && after.size === 0) return;
    report({
      type: 'instance.secrets',
      source: proc.secrets.source,
      file,
      keys: after.size,
      ...changes,
    });
  }
}

function keysMark(keys: readonly string[]): string {
  return keys.length === 0 ? '*' : [...keys].sort().join(',');
}

async function generatedFor(file: string): Promise<{ exists: boolean; keys?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { exists: false };
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const at = line.indexOf(KEYS_MARK);
    if (at >= 0) return { exists: true, keys: line.slice(at + KEYS_MARK.length).trim() };
  }
  return { exists: true };
}

const fingerprint = (value: string): string => createHash('sha256').update(value).digest('hex');
