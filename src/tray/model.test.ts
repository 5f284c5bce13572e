import { describe, expect, it } from 'vitest';
import type { ProcessSummary, TunnelView } from '../app/index.js';
import {
  formatUptime,
  MAX_PROCESS_ROWS,
  TRAY_ACTIONS,
  trayModel,
  type TrayMenuItem,
  type TrayModel,
  type TrayState,
} from './model.js';

const ADDRESSES = {
  rest: 'http://127.0.0.1:8080',
  grpc: '127.0.0.1:50051',
  dashboard: 'http://127.0.0.1:8080',
};

function summary(name: string, overrides: Partial<ProcessSummary> = {}): ProcessSummary {
  return {
    name,
    status: 'healthy',
    instance_count: 2,
    ready_count: 2,
    desired: 2,
    min_instances: 1,
    max_instances: 4,
    restarts: 0,
    version: 'v1.0.0',
    port: 9000,
    repository: null,
    operation: null,
    ...overrides,
  };
}

const NO_TUNNEL: TunnelView = {
  enabled: false,
  state: 'disabled',
  url: null,
  registered: false,
  restarts: 0,
};

function up(overrides: Partial<TrayState> = {}): TrayState {
  return {
    reachable: true,
    status: {
      status: 'running',
      processes: 1,
      total_instances: 2,
      running_instances: 2,
      ready_instances: 2,
      version: '0.9.0',
      uptime: 3700,
      pid: 42,
    },
    processes: [summary('api')],
    tunnel: NO_TUNNEL,
    addresses: ADDRESSES,
    logsDir: '/srv/gowinproc/logs',
    canCopy: true,
    ...overrides,
  };
}

const down: TrayState = {
  reachable: false,
  problem: 'no gowinproc daemon answers at http://127.0.0.1:8080 (ECONNREFUSED)',
  processes: [],
  addresses: ADDRESSES,
  canCopy: true,
};

function entry(model: TrayModel, id: string): TrayMenuItem {
  const found = model.items.find((e) => e.id === id);
  if (!found || found.kind !== 'item') throw new Error(`no item ${id}`);
  return found;
}

const layout = (model: TrayModel): string[] => model.items.map((e) => `${e.kind}:${e.id}`);

describe('trayModel', () => {
  it('all healthy: green icon, the status line, one row per process, addresses', () => {
    const model = trayModel(up());
    expect(model.icon).toBe('healthy');
    expect(model.tooltip).toBe('gowinproc: all healthy (1 process)');
    expect(entry(model, 'daemon').title).toBe('Daemon: running · v0.9.0 · up 1h 1m');
    expect(entry(model, 'processes').title).toBe('1 process · 2/2 instances ready');
    expect(entry(model, 'process:0')).toMatchObject({
      title: 'api: healthy 2/2 · v1.0.0',
      enabled: true,
      hidden: false,
    });
    expect(entry(model, 'process:1').hidden).toBe(true);
    expect(entry(model, 'rest').title).toBe('REST: http://127.0.0.1:8080');
    expect(entry(model, 'grpc')).toMatchObject({ title: 'gRPC: 127.0.0.1:50051', hidden: false });
    for (const id of [
      TRAY_ACTIONS.openDashboard,
      TRAY_ACTIONS.viewLogs,
      TRAY_ACTIONS.reload,
      TRAY_ACTIONS.restartDaemon,
      TRAY_ACTIONS.quitDaemon,
      TRAY_ACTIONS.closeTray,
    ])
      expect(entry(model, id)).toMatchObject({ enabled: true, hidden: false });
    expect(entry(model, 'notice').hidden).toBe(true);
  });

  it('without a tunnel (the original crashed here): says off and hides Copy', () => {
    const model = trayModel(up({ tunnel: NO_TUNNEL }));
    expect(entry(model, 'tunnel').title).toBe('Tunnel: off');
    expect(entry(model, TRAY_ACTIONS.copyTunnel).hidden).toBe(true);
    expect(model.icon).toBe('healthy');
  });

  it('when the daemon did not say about its tunnel: unknown, no Copy, still healthy', () => {
    const model = trayModel(up({ tunnel: undefined }));
    expect(entry(model, 'tunnel').title).toBe('Tunnel: unknown');
    expect(entry(model, TRAY_ACTIONS.copyTunnel).hidden).toBe(true);
    expect(model.icon).toBe('healthy');
  });

  it('a connected tunnel shows its URL with an enabled Copy', () => {
    const tunnel: TunnelView = {
      enabled: true,
      state: 'connected',
      url: 'https://quiet-lake.trycloudflare.com',
      registered: true,
      restarts: 0,
    };
    const model = trayModel(up({ tunnel }));
    expect(entry(model, 'tunnel').title).toBe('Tunnel: https://quiet-lake.trycloudflare.com');
    expect(entry(model, TRAY_ACTIONS.copyTunnel)).toMatchObject({
      title: 'Copy tunnel URL',
      enabled: true,
      hidden: false,
    });
  });

  it('a starting tunnel has no URL yet: Copy is shown but disabled', () => {
    const tunnel: TunnelView = { ...NO_TUNNEL, enabled: true, state: 'starting' };
    const model = trayModel(up({ tunnel }));
    expect(entry(model, 'tunnel').title).toBe('Tunnel: starting');
    expect(entry(model, TRAY_ACTIONS.copyTunnel)).toMatchObject({ enabled: false, hidden: false });
    expect(model.icon).toBe('healthy');
  });

  it('a tunnel in backoff makes the icon degraded and shows its last error as the tooltip', () => {
    const tunnel: TunnelView = {
      ...NO_TUNNEL,
      enabled: true,
      state: 'backoff',
      restarts: 3,
      last_error: 'cloudflared exited (code 1)',
    };
    const model = trayModel(up({ tunnel }));
    expect(model.icon).toBe('degraded');
    expect(model.tooltip).toBe('gowinproc: tunnel backoff');
    expect(entry(model, 'tunnel').tooltip).toBe('cloudflared exited (code 1)');
  });

  it('without a clipboard tool Copy says what to install and is disabled', () => {
    const tunnel: TunnelView = {
      ...NO_TUNNEL,
      enabled: true,
      state: 'connected',
      url: 'https://a.trycloudflare.com',
    };
    const copy = entry(trayModel(up({ tunnel, canCopy: false })), TRAY_ACTIONS.copyTunnel);
    expect(copy).toMatchObject({ enabled: false, hidden: false });
    expect(copy.title).toContain('install xclip or wl-copy');
  });

  it('a failed or degraded process makes the icon degraded and names it', () => {
    const model = trayModel(
      up({
        processes: [
          summary('api'),
          summary('worker', { status: 'failed', ready_count: 0 }),
          summary('web', { status: 'degraded', ready_count: 1 }),
        ],
      }),
    );
    expect(model.icon).toBe('degraded');
    expect(model.tooltip).toBe('gowinproc: worker failed, web degraded');
    expect(entry(model, 'processes').title).toBe('3 processes · 3/6 instances ready');
    expect(entry(model, 'process:1').title).toBe('worker: failed 0/2 · v1.0.0');
  });

  it('starting and stopped processes are not a problem', () => {
    const model = trayModel(
      up({
        processes: [summary('a', { status: 'starting' }), summary('b', { status: 'stopped' })],
      }),
    );
    expect(model.icon).toBe('healthy');
  });

  it('a daemon shutting down is degraded and cannot be quit or restarted again', () => {
    const model = trayModel(up({ status: { ...up().status!, status: 'shutting_down' } }));
    expect(model.icon).toBe('degraded');
    expect(model.tooltip).toBe('gowinproc: shutting down');
    expect(entry(model, 'daemon').title).toMatch(/^Daemon: shutting down/);
    expect(entry(model, TRAY_ACTIONS.quitDaemon).enabled).toBe(false);
    expect(entry(model, TRAY_ACTIONS.restartDaemon).enabled).toBe(false);
    expect(entry(model, TRAY_ACTIONS.reload).enabled).toBe(true);
  });

  it('Restart daemon sits between Reload config and Quit daemon', () => {
    const ids = trayModel(up()).items.map((e) => e.id);
    const at = ids.indexOf(TRAY_ACTIONS.restartDaemon);
    expect(ids[at - 1]).toBe(TRAY_ACTIONS.reload);
    expect(ids[at + 1]).toBe(TRAY_ACTIONS.quitDaemon);
    expect(entry(trayModel(up()), TRAY_ACTIONS.restartDaemon)).toMatchObject({
      title: 'Restart daemon',
      tooltip: 'Stop every instance and the daemon, then start it again (POST /api/v1/restart)',
    });
  });

  it('daemon down: grey icon, says where it looked and why, daemon actions disabled', () => {
    const model = trayModel(down);
    expect(model.icon).toBe('down');
    expect(model.tooltip).toBe('gowinproc: daemon down (http://127.0.0.1:8080)');
    expect(entry(model, 'daemon')).toMatchObject({
      title: 'Daemon not reachable at http://127.0.0.1:8080',
      tooltip: down.problem,
    });
    expect(entry(model, 'processes').hidden).toBe(true);
    expect(entry(model, 'process:0').hidden).toBe(true);
    expect(entry(model, 'tunnel').title).toBe('Tunnel: unknown');
    expect(entry(model, TRAY_ACTIONS.copyTunnel).hidden).toBe(true);
    for (const id of [
      TRAY_ACTIONS.openDashboard,
      TRAY_ACTIONS.reload,
      TRAY_ACTIONS.restartDaemon,
      TRAY_ACTIONS.quitDaemon,
    ])
      expect(entry(model, id).enabled).toBe(false);
    expect(entry(model, TRAY_ACTIONS.closeTray).enabled).toBe(true);
  });

  it('down with stale processes and tunnel in the state still hides them', () => {
    const tunnel: TunnelView = {
      ...NO_TUNNEL,
      enabled: true,
      state: 'connected',
      url: 'https://x',
    };
    const model = trayModel({ ...down, processes: [summary('api')], tunnel });
    expect(entry(model, 'process:0').hidden).toBe(true);
    expect(entry(model, TRAY_ACTIONS.copyTunnel).hidden).toBe(true);
  });

  it('no processes configured', () => {
    const model = trayModel(up({ processes: [] }));
    expect(entry(model, 'processes').title).toBe('No processes configured');
    expect(model.tooltip).toBe('gowinproc: all healthy (0 processes)');
  });

  it(`more than ${MAX_PROCESS_ROWS} processes: the rest are counted`, () => {
    const processes = Array.from({ length: MAX_PROCESS_ROWS + 3 }, (_, i) => summary(`p${i}`));
    const model = trayModel(up({ processes }));
    expect(entry(model, `process:${MAX_PROCESS_ROWS - 1}`).hidden).toBe(false);
    expect(entry(model, 'more-processes')).toMatchObject({ title: '…and 3 more', hidden: false });
  });

  it('unknown gRPC address and logs folder: gRPC hidden, View logs disabled with a hint', () => {
    const model = trayModel(
      up({ addresses: { ...ADDRESSES, grpc: undefined }, logsDir: undefined }),
    );
    expect(entry(model, 'grpc').hidden).toBe(true);
    expect(entry(model, TRAY_ACTIONS.viewLogs)).toMatchObject({ enabled: false });
    expect(entry(model, TRAY_ACTIONS.viewLogs).tooltip).toContain('--config');
  });

  it('shows a notice', () => {
    const model = trayModel(up({ notice: 'Copied https://a.trycloudflare.com' }));
    expect(entry(model, 'notice')).toMatchObject({
      title: 'Copied https://a.trycloudflare.com',
      hidden: false,
    });
  });

  it('keeps one layout for every state (the native helper cannot add or remove items)', () => {
    const reference = layout(trayModel(up()));
    const many = Array.from({ length: 20 }, (_, i) => summary(`p${i}`, { status: 'failed' }));
    const states: TrayState[] = [
      down,
      up({ tunnel: undefined, processes: [] }),
      up({ processes: many, notice: 'x', canCopy: false, logsDir: undefined }),
      up({ tunnel: { ...NO_TUNNEL, enabled: true, state: 'connected', url: 'https://y' } }),
    ];
    for (const state of states) expect(layout(trayModel(state))).toEqual(reference);
  });

  it('clips a long tooltip', () => {
    const processes = Array.from({ length: 30 }, (_, i) =>
      summary(`a-rather-long-process-name-${i}`, { status: 'failed' }),
    );
    const { tooltip } = trayModel(up({ processes }));
    expect(tooltip.length).toBe(120);
    expect(tooltip.endsWith('…')).toBe(true);
  });
});

describe('formatUptime', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3700, '1h 1m'],
    [90_000, '1d 1h'],
  ])('%d s -> %s', (seconds, text) => {
    expect(formatUptime(seconds)).toBe(text);
  });
});
