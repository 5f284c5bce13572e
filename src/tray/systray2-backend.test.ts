/**
 * The real systray2 helper under Xvfb (Linux): it starts, takes the first menu and later updates,
 * and exits on close. Needs `Xvfb` and the helper's libraries (GTK 3, libappindicator3; Debian:
 * xvfb, libayatana-appindicator3-1). Clicks need a tray host on D-Bus and are covered with the
 * fake backend instead.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '../../test/helpers/wait-for.js';
import { trayModel, type TrayState } from './model.js';
import { Systray2Backend } from './systray2-backend.js';

/** Starts Xvfb on a display it picks itself (-displayfd) and returns ":N". */
async function startXvfb(): Promise<string> {
  const xvfb = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '640x480x24', '-nolisten', 'tcp'],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    },
  );
  onTestFinished(() => void xvfb.kill('SIGTERM'));
  let stderr = '';
  xvfb.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let display = '';
  (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
    display += chunk.toString('utf8');
  });
  await waitFor(() => {
    if (xvfb.exitCode !== null) throw new Error(`Xvfb exited ${xvfb.exitCode}: ${stderr}`);
    return /^\d+\n/.test(display) || 'Xvfb has not said its display yet';
  });
  return `:${display.trim()}`;
}

const state = (reachable: boolean): TrayState => ({
  reachable,
  processes: [],
  addresses: { rest: 'http://127.0.0.1:8080', dashboard: 'http://127.0.0.1:8080' },
  canCopy: false,
  ...(reachable
    ? {
        status: {
          status: 'running',
          processes: 0,
          total_instances: 0,
          running_instances: 0,
          ready_instances: 0,
          version: '1.0.0',
          uptime: 1,
          pid: 1,
        },
        tunnel: { enabled: false, state: 'disabled', url: null, registered: false, restarts: 0 },
      }
    : { problem: 'no daemon' }),
});

describe('Systray2Backend', () => {
  it('runs the native helper under Xvfb: first menu, an update, then a clean exit', async () => {
    const display = await startXvfb();
    const previous = process.env['DISPLAY'];
    process.env['DISPLAY'] = display; // systray2 passes this process's environment to its helper
    onTestFinished(() => {
      if (previous === undefined) delete process.env['DISPLAY'];
      else process.env['DISPLAY'] = previous;
    });
    const exits: string[] = [];
    const backend = new Systray2Backend({
      platform: 'linux',
      onHelperExit: (code, signal) => void exits.push(`${code}/${signal}`),
    });
    onTestFinished(() => backend.close());

    await backend.setMenu(trayModel(state(false)));
    const pid = backend.helperPid;
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid!, 0)).not.toThrow();

    await backend.setMenu(trayModel(state(true)));
    expect(() => process.kill(pid!, 0)).not.toThrow();

    await backend.close();
    expect(() => process.kill(pid!, 0)).toThrow();
    expect(exits).toEqual([]); // an asked-for exit is not reported as a crash
  });

  it('reports a helper that dies, and a later menu update neither crashes this process nor hangs', async () => {
    const display = await startXvfb();
    const previous = process.env['DISPLAY'];
    process.env['DISPLAY'] = display;
    onTestFinished(() => {
      if (previous === undefined) delete process.env['DISPLAY'];
      else process.env['DISPLAY'] = previous;
    });
    const exits: string[] = [];
    const backend = new Systray2Backend({
      platform: 'linux',
      onHelperExit: (code, signal) => void exits.push(`${code}/${signal}`),
    });
    onTestFinished(() => backend.close());
    await backend.setMenu(trayModel(state(false)));
    process.kill(backend.helperPid!, 'SIGKILL');
    await waitFor(() => exits.length === 1 || 'the exit is not reported yet');
    expect(exits).toEqual(['null/SIGKILL']);
    // The controller's next poll: writing to the dead helper's pipe must not throw EPIPE at large.
    await expect(backend.setMenu(trayModel(state(true)))).rejects.toThrow(
      'the tray helper is not running',
    );
    await backend.close();
  });

  it('says why when the helper cannot start (no display)', async () => {
    const previous = process.env['DISPLAY'];
    process.env['DISPLAY'] = ':9999'; // no X server there
    onTestFinished(() => {
      if (previous === undefined) delete process.env['DISPLAY'];
      else process.env['DISPLAY'] = previous;
    });
    const backend = new Systray2Backend({ platform: 'linux' });
    onTestFinished(() => backend.close());
    await expect(backend.setMenu(trayModel(state(false)))).rejects.toThrow(
      /^the tray helper did not start: it exited/,
    );
  });
});
