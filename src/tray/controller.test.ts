import { describe, expect, it } from 'vitest';
import type { ProcessSummary, TunnelView } from '../app/index.js';
import type { DaemonStatus } from '../client/index.js';
import { DaemonError, FakeClock } from '../shared/index.js';
import { FakeTrayBackend } from './backend.js';
import { TrayController, type TrayClient, type TrayDesktop } from './controller.js';
import { TRAY_ACTIONS } from './model.js';

const STATUS: DaemonStatus = {
  status: 'running',
  processes: 1,
  total_instances: 1,
  running_instances: 1,
  ready_instances: 1,
  version: '1.0.0',
  uptime: 5,
  pid: 1,
};
const API: ProcessSummary = {
  name: 'api',
  status: 'healthy',
  instance_count: 1,
  ready_count: 1,
  desired: 1,
  min_instances: 1,
  max_instances: 1,
  restarts: 0,
  version: null,
  port: null,
  repository: null,
  operation: null,
};
const TUNNEL: TunnelView = {
  enabled: true,
  state: 'connected',
  url: 'https://calm-sea.trycloudflare.com',
  registered: true,
  restarts: 0,
};

/** A daemon in memory: `up` switches it off and on; calls are counted. */
class FakeDaemon implements TrayClient {
  up = true;
  tunnelView: TunnelView | Error = TUNNEL;
  calls: string[] = [];
  private check(name: string): void {
    this.calls.push(name);
    if (!this.up) throw new DaemonError('daemon_unreachable', 'no gowinproc daemon answers');
  }
  status = async (): Promise<DaemonStatus> => (this.check('status'), STATUS);
  processes = async () => (this.check('processes'), { items: [API] });
  tunnel = async (): Promise<TunnelView> => {
    this.check('tunnel');
    if (this.tunnelView instanceof Error) throw this.tunnelView;
    return this.tunnelView;
  };
  reload = async () => (
    this.check('reload'),
    {
      message: 'config reloaded: no process changed',
      added: [],
      removed: [],
      changed: [],
      restartRequired: [],
    }
  );
  shutdown = async () => (this.check('shutdown'), { status: 'shutting down' });
  restartDaemon = async () => (
    this.check('restartDaemon'),
    { status: 'restarting', method: 'respawn' }
  );
}

function setUp(options: { copy?: boolean; failCopy?: boolean } = {}) {
  const clock = new FakeClock();
  const daemon = new FakeDaemon();
  const backend = new FakeTrayBackend();
  const opened: string[] = [];
  const copied: string[] = [];
  const desktop: TrayDesktop = {
    openUrl: async (url) => void opened.push(url),
    openFolder: async (path) => void opened.push(path),
    copyText:
      options.copy === false
        ? undefined
        : async (text) => {
            if (options.failCopy) throw new DaemonError('internal', 'xclip exited with code 1');
            copied.push(text);
          },
  };
  let closedCount = 0;
  const controller = new TrayController({
    client: daemon,
    backend,
    clock,
    desktop,
    addresses: { rest: 'http://127.0.0.1:8080', dashboard: 'http://127.0.0.1:8080' },
    logsDir: '/logs',
    pollIntervalMs: 3000,
    noticeMs: 10_000,
    onClose: () => void closedCount++,
  });
  return { clock, daemon, backend, opened, copied, controller, closed: () => closedCount };
}

describe('TrayController', () => {
  it('shows the first poll at start, polls every interval, re-sends the menu only on change', async () => {
    const { clock, daemon, backend, controller } = setUp();
    await controller.start();
    expect(backend.last?.icon).toBe('healthy');
    expect(backend.menus).toHaveLength(1);
    await clock.advance(2999);
    expect(daemon.calls.filter((c) => c === 'status')).toHaveLength(1);
    await clock.advance(1);
    expect(daemon.calls.filter((c) => c === 'status')).toHaveLength(2);
    expect(backend.menus).toHaveLength(1);
    daemon.up = false;
    await clock.advance(3000);
    expect(backend.last?.icon).toBe('down');
    expect(backend.item('daemon').tooltip).toBe('no gowinproc daemon answers');
    daemon.up = true;
    await clock.advance(3000);
    expect(backend.last?.icon).toBe('healthy');
    expect(backend.menus.map((m) => m.icon)).toEqual(['healthy', 'down', 'healthy']);
    await controller.close();
  });

  it('a failing tunnel call does not hide the rest', async () => {
    const { daemon, backend, controller } = setUp();
    daemon.tunnelView = new DaemonError('internal', 'boom');
    await controller.start();
    expect(backend.last?.icon).toBe('healthy');
    expect(backend.item('tunnel').title).toBe('Tunnel: unknown');
    await controller.close();
  });

  it('Copy puts the tunnel URL on the clipboard and says so until the notice expires', async () => {
    const { clock, backend, copied, controller } = setUp();
    await controller.start();
    backend.click(TRAY_ACTIONS.copyTunnel);
    await controller.settled();
    expect(copied).toEqual([TUNNEL.url]);
    expect(backend.item('notice')).toMatchObject({ title: `Copied ${TUNNEL.url}`, hidden: false });
    await clock.advance(9000);
    expect(backend.item('notice').hidden).toBe(false);
    await clock.advance(3000);
    expect(backend.item('notice').hidden).toBe(true);
    await controller.close();
  });

  it('a failing clipboard tool is reported in the menu', async () => {
    const { backend, controller } = setUp({ failCopy: true });
    await controller.start();
    backend.click(TRAY_ACTIONS.copyTunnel);
    await controller.settled();
    expect(backend.item('notice').title).toBe('Copy failed: xclip exited with code 1');
    await controller.close();
  });

  it('opens the dashboard, a process page and the logs folder', async () => {
    const { backend, opened, controller } = setUp();
    await controller.start();
    backend.click(TRAY_ACTIONS.openDashboard);
    backend.click('process:0');
    backend.click(TRAY_ACTIONS.viewLogs);
    await controller.settled();
    expect(opened).toEqual([
      'http://127.0.0.1:8080',
      'http://127.0.0.1:8080/processes/api',
      '/logs',
    ]);
    await controller.close();
  });

  it('Reload config and Quit daemon call the daemon, show the outcome and poll again', async () => {
    const { daemon, backend, controller } = setUp();
    await controller.start();
    backend.click(TRAY_ACTIONS.reload);
    await controller.settled();
    expect(backend.item('notice').title).toBe('config reloaded: no process changed');
    daemon.calls = [];
    backend.click(TRAY_ACTIONS.quitDaemon);
    await controller.settled();
    expect(daemon.calls[0]).toBe('shutdown');
    expect(daemon.calls).toContain('status');
    expect(backend.item('notice').title).toBe('The daemon is shutting down');
    await controller.close();
  });

  it('Restart daemon asks the daemon, says it is restarting and polls again', async () => {
    const { daemon, backend, controller } = setUp();
    await controller.start();
    expect(backend.item(TRAY_ACTIONS.restartDaemon)).toMatchObject({
      title: 'Restart daemon',
      enabled: true,
    });
    daemon.calls = [];
    backend.click(TRAY_ACTIONS.restartDaemon);
    await controller.settled();
    expect(daemon.calls[0]).toBe('restartDaemon');
    expect(daemon.calls).not.toContain('shutdown');
    expect(daemon.calls).toContain('status');
    expect(backend.item('notice').title).toBe('Restarting the daemon…');
    await controller.close();
  });

  it('a restart the daemon refuses is reported in the menu', async () => {
    const { daemon, backend, controller } = setUp();
    await controller.start();
    daemon.restartDaemon = () =>
      Promise.reject(new DaemonError('shutting_down', 'the daemon is already shutting down'));
    backend.click(TRAY_ACTIONS.restartDaemon);
    await controller.settled();
    expect(backend.item('notice').title).toBe(
      'Restart daemon failed: the daemon is already shutting down',
    );
    await controller.close();
  });

  it('an action against a daemon that went away says why', async () => {
    const { daemon, backend, controller } = setUp();
    await controller.start();
    daemon.up = false;
    backend.click(TRAY_ACTIONS.reload);
    await controller.settled();
    expect(backend.item('notice').title).toBe('Reload failed: no gowinproc daemon answers');
    expect(backend.last?.icon).toBe('down');
    await controller.close();
  });

  it('Close tray closes the backend once, stops polling and calls onClose', async () => {
    const { clock, daemon, backend, controller, closed } = setUp();
    await controller.start();
    backend.click(TRAY_ACTIONS.closeTray);
    await controller.settled();
    expect(backend.closed).toBe(true);
    expect(closed()).toBe(1);
    const calls = daemon.calls.length;
    await clock.advance(30_000);
    expect(daemon.calls.length).toBe(calls);
    expect(clock.pendingTimers).toBe(0);
    await controller.close();
    expect(closed()).toBe(1);
  });
});
