/**
 * Puts the fake cloudflared (test/fakes/cloudflared.mjs) on a PATH for a daemon under test, and
 * reads what the running fake reports about itself (pid, public URL, local proxy port).
 */
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface FakeCloudflaredState {
  pid: number;
  url?: string;
  /** Where the fake listens for "internet" requests that it forwards through the tunnel. */
  proxyPort: number;
}

export interface FakeCloudflared {
  /** Environment for the daemon: PATH with the fake first, and where the fake reports. */
  env: Record<string, string>;
  stateFile: string;
  /** The state of the fake that ran last; throws while none has started. */
  state(): FakeCloudflaredState;
}

export function fakeCloudflaredIn(dir: string): FakeCloudflared {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(join(ROOT, 'test', 'fakes', 'cloudflared.mjs'), join(bin, 'cloudflared'));
  const stateFile = join(dir, 'cloudflared.json');
  return {
    env: { PATH: `${bin}:${process.env['PATH']}`, FAKE_CLOUDFLARED_STATE_FILE: stateFile },
    stateFile,
    state: () => JSON.parse(readFileSync(stateFile, 'utf8')) as FakeCloudflaredState,
  };
}
