import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import type { ProcessIdentity } from '../../core/index.js';
import { recordTunnelProcess, stopLeftoverTunnel } from './leftover-tunnel.js';

const identity: ProcessIdentity = {
  pid: 4242,
  startTime: 'boot:123',
  command: 'cloudflared tunnel --url http://localhost:8080',
};

describe('a cloudflared left by a crashed daemon', () => {
  it('is stopped when the recorded pid is still that process', async () => {
    const file = join(tempDir(), 'cloudflared.json');
    await recordTunnelProcess(file, 4242, async () => identity);
    const killed: number[] = [];
    const pid = await stopLeftoverTunnel({
      file,
      identify: async () => identity,
      kill: (p) => killed.push(p),
    });
    expect(pid).toBe(4242);
    expect(killed).toEqual([4242]);
    expect(existsSync(file)).toBe(false);
  });

  it('is not looked for when the pid now belongs to another process, or is gone', async () => {
    for (const current of [
      { ...identity, startTime: 'boot:999' },
      { ...identity, command: 'postgres' },
      undefined,
    ]) {
      const file = join(tempDir(), 'cloudflared.json');
      await recordTunnelProcess(file, 4242, async () => identity);
      const killed: number[] = [];
      await stopLeftoverTunnel({
        file,
        identify: async () => current,
        kill: (p) => killed.push(p),
      });
      expect(killed).toEqual([]);
      expect(existsSync(file)).toBe(false);
    }
  });

  it('ignores a missing or unreadable record', async () => {
    const dir = tempDir();
    const killed: number[] = [];
    const identify = async () => identity;
    const kill = (p: number) => killed.push(p);
    expect(
      await stopLeftoverTunnel({ file: join(dir, 'none.json'), identify, kill }),
    ).toBeUndefined();
    writeFileSync(join(dir, 'bad.json'), '{not json');
    expect(
      await stopLeftoverTunnel({ file: join(dir, 'bad.json'), identify, kill }),
    ).toBeUndefined();
    expect(killed).toEqual([]);
  });
});
