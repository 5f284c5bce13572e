/**
 * `gowinproc keygen`: an RSA key pair for the Cloudflare auth worker (../shared/spec/cloudflare.md
 * §2). The key work itself is injected by the composition root; this file parses and prints.
 */
import { Command, Option } from 'commander';

export interface KeygenRequest {
  clientId: string;
  bits: 2048 | 4096;
  outDir: string;
  force: boolean;
  privateKeyName: string;
  publicKeyName: string;
}

export interface KeygenResult {
  privateKeyPath: string;
  publicKeyPath: string;
  jsonPath: string;
  publicKeyPem: string;
  jsonLine: string;
}

export type GenerateKeys = (request: KeygenRequest) => Promise<KeygenResult>;

/** The file names the original gowinproc's configs point at (`./keys/client_private.pem`). */
export const PRIVATE_KEY_NAME = 'client_private.pem';
export const PUBLIC_KEY_NAME = 'client_public.pem';

export interface KeygenDefaults {
  clientId: string;
  outDir: string;
}

/** The defaults a config file gives (secrets.cloudflare.client_id, paths.keys). */
export type ReadKeygenDefaults = (configFile: string) => Promise<KeygenDefaults>;

export function keygenCommand(
  generate: GenerateKeys,
  readDefaults: ReadKeygenDefaults,
  out: (text: string) => void,
): Command {
  return new Command('keygen')
    .description('create the RSA key pair this daemon uses to log in to the Cloudflare auth worker')
    .option(
      '-c, --config <file>',
      'take the client id and directory from this config (secrets.cloudflare.client_id, paths.keys)',
    )
    .option('--client-id <id>', 'the client id the worker knows this daemon by (default gowinproc)')
    .addOption(
      new Option('--bits <bits>', 'RSA key size').choices(['2048', '4096']).default('2048'),
    )
    .option('--out-dir <dir>', 'directory for the key files (default keys, or paths.keys)')
    .option(
      '--force',
      'replace an existing private key (the worker must then get the new public key)',
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        config?: string;
        clientId?: string;
        bits: string;
        outDir?: string;
        force?: boolean;
        json?: boolean;
      }) => {
        const defaults: KeygenDefaults = options.config
          ? await readDefaults(options.config)
          : { clientId: 'gowinproc', outDir: 'keys' };
        const clientId = options.clientId ?? defaults.clientId;
        const result = await generate({
          clientId,
          bits: options.bits === '4096' ? 4096 : 2048,
          outDir: options.outDir ?? defaults.outDir,
          force: options.force === true,
          privateKeyName: PRIVATE_KEY_NAME,
          publicKeyName: PUBLIC_KEY_NAME,
        });
        if (options.json) {
          const { publicKeyPem, jsonLine: _line, ...paths } = result;
          out(JSON.stringify({ clientId, ...paths, publicKey: publicKeyPem }, null, 2));
          return;
        }
        out(`private key: ${result.privateKeyPath} (mode 0600: keep it on this machine only)`);
        out(`public key:  ${result.publicKeyPath}`);
        out('');
        out(result.publicKeyPem.trimEnd());
        out('');
        out(
          `Add this entry to the auth worker's AUTHORIZED_CLIENTS JSON (also in ${result.jsonPath}):`,
        );
        out(result.jsonLine);
        out('');
        out('Then point the config at the private key:');
        out(
          `  secrets: { mode: cloudflare, cloudflare: { worker_url: https://<your-worker>, client_id: ${clientId}, private_key_path: ${result.privateKeyPath} } }`,
        );
      },
    );
}
