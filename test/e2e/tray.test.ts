/**
 * The tray's controller against a real daemon (a fake backend stands in for the native icon): the
 * menu follows the daemon down and back up, and "Quit daemon" stops it.
 */
import { describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/client/index.js';
import { systemClock } from '../../src/shared/index.js';
import { FakeTrayBackend, TRAY_ACTIONS, TrayController } from '../../src/tray/index.js';
import { startDaemon, writeConfig } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';
import { closedPort } from '../helpers/ports.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const config = (port: number) => `
server: { port: ${port}, grpc_port: 0 }
processes:
  - name: web
    binary_path: ${fixture('http-service.mjs')}
    instances: 1
    health_check: { type: http, endpoint: /health, interval: 1s }
`;

describe('the tray against a real daemon', () => {
  it('shows it healthy without a tunnel, grey while it is down, healthy again when it is back; Quit stops it', async () => {
    const dir = tempDir();
    const port = await closedPort();
    const configPath = writeConfig(dir, config(port));
    const first = await startDaemon(dir, configPath);
    const backend = new FakeTrayBackend();
    const opened: string[] = [];
    const controller = new TrayController({
      client: new DaemonClient({ baseUrl: first.url, timeoutMs: 2000 }),
      backend,
      clock: systemClock,
      desktop: {
        openUrl: async (url) => void opened.push(url),
        openFolder: async (path) => void opened.push(path),
        copyText: undefined,
      },
      addresses: { rest: first.url, dashboard: first.url },
      pollIntervalMs: 100,
    });
    await controller.start();
    try {
      await waitFor(() => {
        const menu = backend.last;
        return menu?.icon === 'healthy' &&
          backend.item('process:0').title.startsWith('web: healthy')
          ? true
          : `${menu?.icon}: ${menu ? backend.item('process:0').title : ''}`;
      });
      expect(backend.item('tunnel').title).toBe('Tunnel: off');
      expect(backend.item(TRAY_ACTIONS.copyTunnel).hidden).toBe(true);
      expect(backend.item('daemon').title).toMatch(/^Daemon: running · v\S+ · up \d+s$/);
      expect(backend.item('processes').title).toBe('1 process · 1/1 instances ready');

      backend.click('process:0');
      await controller.settled();
      expect(opened).toEqual([`${first.url}/processes/web`]);

      backend.click(TRAY_ACTIONS.quitDaemon);
      await controller.settled();
      expect(await first.exitCode).toBe(0);
      await waitFor(() => (backend.last?.icon === 'down' ? true : `icon ${backend.last?.icon}`));
      expect(backend.item('daemon').title).toBe(`Daemon not reachable at ${first.url}`);
      expect(backend.item(TRAY_ACTIONS.quitDaemon).enabled).toBe(false);
      expect(() => backend.click(TRAY_ACTIONS.openDashboard)).toThrow('disabled');

      await startDaemon(dir, configPath);
      await waitFor(
        () =>
          backend.last?.icon === 'healthy' &&
          backend.item('processes').title === '1 process · 1/1 instances ready'
            ? true
            : `${backend.last?.icon}: ${backend.item('processes').title}`,
        { timeoutMs: 20_000 },
      );
    } finally {
      await controller.close();
    }
  });
});
