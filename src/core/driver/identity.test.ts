import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.js';
import {
  matchesIdentity,
  parseCmdline,
  parseProcStat,
  parsePsIdentity,
  parseWindowsIdentity,
  readIdentity,
} from './identity.js';

/** A /proc/<pid>/stat line: fields 3.. after the command, starttime (field 22) = `start`. */
function statLine(
  pid: number,
  comm: string,
  fields: { state?: string; ppid?: number; pgrp?: number; start?: string } = {},
): string {
  const rest = Array.from({ length: 50 }, (_, i) => String(i + 3)); // field n holds "n"
  rest[0] = fields.state ?? 'S';
  rest[1] = String(fields.ppid ?? 1);
  rest[2] = String(fields.pgrp ?? pid);
  rest[19] = fields.start ?? '98765';
  return `${pid} (${comm}) ${rest.join(' ')}\n`;
}

describe('parseProcStat', () => {
  it('reads state, ppid, pgrp and start ticks', () => {
    expect(
      parseProcStat(statLine(1234, 'node', { state: 'R', ppid: 77, pgrp: 1200, start: '182579' })),
    ).toEqual({
      state: 'R',
      ppid: 77,
      pgrp: 1200,
      startTicks: '182579',
    });
  });

  it.each(['my service', 'a) b (c', 'x) R 1 2 3', '(())', 'tab\there', ')'])(
    'copes with the command name %j',
    (comm) => {
      expect(
        parseProcStat(statLine(42, comm, { state: 'S', ppid: 9, pgrp: 42, start: '555' })),
      ).toEqual({
        state: 'S',
        ppid: 9,
        pgrp: 42,
        startTicks: '555',
      });
    },
  );

  it('reads a real stat line', () => {
    const text =
      '14628 (node) R 14625 14625 6521 0 -1 4194304 2183 0 0 0 4 1 0 0 20 0 7 0 182579 745713664 10078 18446744073709551615 11988992 39846385\n';
    expect(parseProcStat(text)).toEqual({
      state: 'R',
      ppid: 14625,
      pgrp: 14625,
      startTicks: '182579',
    });
  });

  it('reads this process from /proc', () => {
    if (process.platform !== 'linux') return;
    const parsed = parseProcStat(readFileSync(`/proc/${process.pid}/stat`, 'utf8'));
    expect(parsed).toMatchObject({
      ppid: process.ppid,
      startTicks: expect.stringMatching(/^\d+$/),
    });
  });

  it.each(['', '1234 node S 1', '1234 (node) S 1 2 3'])(
    'is undefined for the malformed %j',
    (text) => {
      expect(parseProcStat(text)).toBeUndefined();
    },
  );
});

describe('parseCmdline', () => {
  it('joins NUL-separated arguments with spaces, dropping the trailing NUL', () => {
    expect(parseCmdline(Buffer.from('/usr/bin/node\0server.js\0--port\0' + '5000\0'))).toBe(
      '/usr/bin/node server.js --port 5000',
    );
  });

  it('keeps an argument that contains spaces', () => {
    expect(parseCmdline(Buffer.from('svc\0--name\0my service\0'))).toBe('svc --name my service');
  });

  it('keeps empty arguments in the middle', () => {
    expect(parseCmdline(Buffer.from('svc\0\0x\0'))).toBe('svc  x');
  });

  it('is empty for an empty cmdline (a kernel thread or zombie)', () => {
    expect(parseCmdline(Buffer.alloc(0))).toBe('');
  });

  it('reads UTF-8', () => {
    expect(parseCmdline(Buffer.from('svc\0--name=サービス\0'))).toBe('svc --name=サービス');
  });
});

describe('parsePsIdentity', () => {
  it('splits the 24-character lstart from the command', () => {
    expect(
      parsePsIdentity(77, 'Mon Jan  5 09:03:01 2026 /usr/local/bin/node server.js --port 5000\n'),
    ).toEqual({
      pid: 77,
      startTime: 'Mon Jan  5 09:03:01 2026',
      command: '/usr/local/bin/node server.js --port 5000',
    });
  });

  it('skips leading blank lines', () => {
    expect(parsePsIdentity(77, '\n  \nTue Dec 30 23:59:59 2025 svc\n')).toEqual({
      pid: 77,
      startTime: 'Tue Dec 30 23:59:59 2025',
      command: 'svc',
    });
  });

  it.each(['', '\n', 'Mon Jan  5 09:03:01 2026'])(
    'is undefined for %j (no such process)',
    (stdout) => {
      expect(parsePsIdentity(77, stdout)).toBeUndefined();
    },
  );
});

describe('parseWindowsIdentity', () => {
  it('reads the creation date and the command line (CRLF output)', () => {
    const stdout = '2026-01-05T09:03:01.1234567Z\r\n"C:\\apps\\svc.exe" --port 5000\r\n';
    expect(parseWindowsIdentity(9, stdout)).toEqual({
      pid: 9,
      startTime: '2026-01-05T09:03:01.1234567Z',
      command: '"C:\\apps\\svc.exe" --port 5000',
    });
  });

  it('has an empty command when Windows does not tell it', () => {
    expect(parseWindowsIdentity(9, '2026-01-05T09:03:01.1234567Z\r\n\r\n')).toEqual({
      pid: 9,
      startTime: '2026-01-05T09:03:01.1234567Z',
      command: '',
    });
  });

  it.each(['', '\r\n', '   \r\n'])('is undefined for %j (no such process)', (stdout) => {
    expect(parseWindowsIdentity(9, stdout)).toBeUndefined();
  });
});

describe('matchesIdentity without a spawn record (exact match)', () => {
  const a = { pid: 1, startTime: 'b:1', command: 'svc' };
  it('needs pid, start time and command all equal', () => {
    expect(matchesIdentity(a, { ...a })).toBe(true);
    expect(matchesIdentity(a, { ...a, pid: 2 })).toBe(false);
    expect(matchesIdentity(a, { ...a, startTime: 'b:2' })).toBe(false);
    expect(matchesIdentity(a, { ...a, command: 'other' })).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('readIdentity on Linux', () => {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });

  function startChild(marker: string): ChildProcess {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', marker], {
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  }

  it('reads this process, with the same start time on every call', async () => {
    const first = await readIdentity(process.pid, 'linux');
    const second = await readIdentity(process.pid, 'linux');
    expect(first).toBeDefined();
    expect(first!.pid).toBe(process.pid);
    expect(first!.startTime).toMatch(/^[0-9a-f-]{36}:\d+$/); // boot id : start ticks
    expect(first!.command).toContain('node');
    expect(second).toEqual(first);
  });

  it('reads another process exactly: its full command line', async () => {
    const child = startChild('identity-marker');
    const identity = await readIdentity(child.pid!, 'linux');
    expect(identity).toEqual({
      pid: child.pid,
      startTime: expect.stringMatching(/:\d+$/),
      command: `${process.execPath} -e setInterval(() => {}, 1e6) identity-marker`,
    });
    const self = await readIdentity(process.pid, 'linux');
    expect(identity!.startTime.split(':')[0]).toBe(self!.startTime.split(':')[0]); // same boot
  });

  it('is undefined once the process has exited', async () => {
    const child = startChild('exiting');
    expect(await readIdentity(child.pid!, 'linux')).toBeDefined();
    child.kill('SIGKILL');
    await once(child, 'exit');
    await waitFor(
      async () => (await readIdentity(child.pid!, 'linux')) === undefined || 'still identified',
    );
  });

  it('is undefined for a pid that does not exist', async () => {
    expect(await readIdentity(2 ** 22 + 1, 'linux')).toBeUndefined(); // above any pid_max
  });
});

describe('readIdentity with an invalid pid', () => {
  it.each([0, -1, 1.5, Number.NaN])(
    'is undefined for %d on every platform, asking nothing',
    async (pid) => {
      for (const platform of ['linux', 'darwin', 'win32', 'other-posix'] as const) {
        expect(await readIdentity(pid, platform)).toBeUndefined();
      }
    },
  );
});

describe('matchesIdentity', () => {
  const recorded = {
    pid: 42,
    startTime: 'boot:100',
    command: '/usr/bin/env node /srv/app.mjs --port 1',
  };
  it('matches the same pid, start time and command line', () => {
    expect(matchesIdentity(recorded, { ...recorded })).toBe(true);
  });
  it('never matches another start time (a reused pid), whatever the command line', () => {
    expect(
      matchesIdentity(
        recorded,
        { ...recorded, startTime: 'boot:101' },
        { command: '/srv/app.mjs', args: ['--port', '1'] },
      ),
    ).toBe(false);
  });
  it('accepts a command line that changed after exec when it still shows what was spawned', () => {
    const current = { ...recorded, command: 'node /srv/app.mjs --port 1' };
    expect(matchesIdentity(recorded, current)).toBe(false);
    expect(
      matchesIdentity(recorded, current, { command: '/srv/app.mjs', args: ['--port', '1'] }),
    ).toBe(true);
    expect(
      matchesIdentity(
        recorded,
        { ...current, command: 'node /srv/other.mjs --port 1' },
        { command: '/srv/app.mjs', args: ['--port', '1'] },
      ),
    ).toBe(false);
    expect(
      matchesIdentity(
        recorded,
        { ...current, command: 'node /srv/app.mjs' },
        { command: '/srv/app.mjs', args: ['--port', '1'] },
      ),
    ).toBe(false);
  });
});
