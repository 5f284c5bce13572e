import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeApi } from '../../test/fake-api';
import { renderApp } from '../../test/render';
import {
  apiSummary,
  crashyDetail,
  crashySummary,
  daemonStatus,
  frame,
  instanceMetrics,
  processList,
  webDetail,
  webSummary,
  whoami,
} from '../process/fixtures';
import { OverviewScreen } from './overview-screen';

const noHostSample = { current: null, daemon: null, series: [] };

function setup(items = [apiSummary, webSummary, crashySummary], host: unknown = noHostSample) {
  const api = fakeApi();
  api.on('GET /api/v1/auth/whoami', whoami('viewer'));
  api.on('GET /api/v1/processes', { json: processList(items) });
  api.on('GET /api/v1/status', { json: daemonStatus });
  api.on('GET /api/v1/processes/web', { json: webDetail });
  api.on('GET /api/v1/processes/crashy', { json: crashyDetail });
  api.on('GET /api/v1/metrics/host', { json: host });
  return { api, ...renderApp(<OverviewScreen />) };
}

const row = (name: string) =>
  screen.getAllByRole('row').find((r) => r.dataset['process'] === name)!;

describe('the overview', () => {
  it('lists every process with its state, ready count, restarts, version and a link', async () => {
    setup();
    const table = await screen.findByRole('table', { name: 'Processes' });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(within(row('web')).getByText('degraded')).toHaveAttribute('data-state', 'degraded');
    expect(row('web')).toHaveTextContent('1 / 2');
    expect(row('web')).toHaveTextContent('v1.2.0');
    expect(within(row('crashy')).getByText('failed')).toBeInTheDocument();
    expect(within(row('api')).getByRole('link', { name: 'api' })).toHaveAttribute(
      'href',
      '/processes/api',
    );
  });

  it('raises alerts for failed and degraded processes with their reasons', async () => {
    const { api } = setup();
    const alerts = await screen.findByRole('region', { name: 'Alerts' });
    await waitFor(() =>
      expect(alerts).toHaveTextContent(
        'crashy is failed: #0 failed: exited with code 1; exited 4 times',
      ),
    );
    expect(alerts).toHaveTextContent('web is degraded: #1 backoff: exited with code 1');
    expect(alerts).not.toHaveTextContent('api');
    // Only the troubled processes are read in detail.
    expect(api.requests.some((r) => r.path === '/api/v1/processes/api')).toBe(false);
  });

  it("shows the daemon's status", async () => {
    setup();
    const daemon = await screen.findByRole('region', { name: 'Daemon' });
    await waitFor(() => expect(daemon).toHaveTextContent('0.8.0'));
    expect(within(daemon).getByLabelText('Daemon status')).toHaveTextContent('running');
    expect(within(daemon).getByLabelText('Ready instances')).toHaveTextContent(
      '2 ready / 2 running / 4',
    );
    expect(daemon).toHaveTextContent('1h 2m');
  });

  it('shows the host and per-process figures from the live metrics frames, and charts them', async () => {
    const { api, live } = setup();
    live.start();
    await screen.findByRole('table', { name: 'Processes' });
    expect(await screen.findByText('No host sample yet')).toBeInTheDocument();
    await waitFor(() =>
      expect(api.requests.some((r) => r.path.startsWith('/api/v1/events'))).toBe(true),
    );
    const sample = (s: number, cpu: number) =>
      frame(
        `2026-11-29T04:00:0${s}.000Z`,
        [
          instanceMetrics('web', 0, 'web-0-1cd839', 12.5, 1048576),
          instanceMetrics('web', 1, 'web-1-2', 2.5, 1048576),
        ],
        cpu,
      );
    api.push('/api/v1/events', 'metrics', sample(1, 37.5));
    const host = screen.getByRole('region', { name: 'Host' });
    await waitFor(() =>
      expect(within(host).getByLabelText('Host CPU')).toHaveTextContent('37.5 %'),
    );
    expect(within(host).getByLabelText('Host memory')).toHaveTextContent('8.0 GiB / 16.0 GiB');
    expect(within(host).getByLabelText('Host disk')).toHaveTextContent('173 GiB / 252 GiB');
    expect(within(host).getByLabelText('Host network')).toHaveTextContent(
      '↓ 4.0 KiB/s · ↑ 512 B/s',
    );
    expect(row('web')).toHaveTextContent('15.0 %');
    expect(row('web')).toHaveTextContent('2.0 MiB');
    expect(row('api')).toHaveTextContent('–');
    api.push('/api/v1/events', 'metrics', sample(2, 40));
    const chart = host.querySelector('[data-chart="host-live"]')!;
    await waitFor(() => expect(chart).toHaveAttribute('data-points', '2'));
    expect(within(host).getByLabelText('Host CPU')).toHaveTextContent('40.0 %');
  });

  it('uses the stored host sample until the first live frame', async () => {
    setup(undefined, {
      current: frame('2026-11-29T04:00:00.000Z', [], 12).host,
      daemon: null,
      series: [],
    });
    const host = await screen.findByRole('region', { name: 'Host' });
    await waitFor(() =>
      expect(within(host).getByLabelText('Host CPU')).toHaveTextContent('12.0 %'),
    );
  });

  it('changes a state badge live when an event arrives', async () => {
    const { api, live } = setup();
    live.start();
    await screen.findByRole('table', { name: 'Processes' });
    await waitFor(() =>
      expect(api.requests.some((r) => r.path.startsWith('/api/v1/events'))).toBe(true),
    );
    api.on('GET /api/v1/processes', {
      json: processList([
        apiSummary,
        { ...webSummary, status: 'healthy', ready_count: 2 },
        crashySummary,
      ]),
    });
    api.push('/api/v1/events', 'instance.state', {
      seq: 3,
      at: Date.now(),
      process: 'web',
      type: 'instance.state',
      index: 1,
      from: 'running',
      to: 'healthy',
    });
    await waitFor(() => expect(within(row('web')).getByText('healthy')).toBeInTheDocument());
    expect(row('web')).toHaveTextContent('2 / 2');
    await waitFor(() =>
      expect(screen.getByRole('region', { name: 'Alerts' })).not.toHaveTextContent('web is'),
    );
  });

  it('says how to add a process when none is configured', async () => {
    setup([]);
    expect(await screen.findByText('No processes configured')).toBeInTheDocument();
    expect(screen.getByText('gowinproc reload')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Alerts' })).toBeNull();
  });

  it('says what to do when the daemon cannot be reached', async () => {
    const api = fakeApi();
    api.on('GET /api/v1/auth/whoami', whoami('viewer'));
    api.on('GET /api/v1/processes', {
      status: 503,
      json: { error: 'shutting down', code: 'shutting_down' },
    });
    renderApp(<OverviewScreen />);
    await waitFor(() =>
      expect(
        screen.getAllByRole('alert').some((a) => a.textContent?.includes('shutting down')),
      ).toBe(true),
    );
    expect(screen.getAllByRole('button', { name: 'Retry' }).length).toBeGreaterThan(0);
  });
});
