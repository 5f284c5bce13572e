import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { useAuth } from '../../auth';
import { fakeApi } from '../../test/fake-api';
import { renderApp } from '../../test/render';
import type { Route } from '../../router';
import { frame, instanceMetrics, logLines, webDetail, webMetrics, whoami } from './fixtures';
import { ProcessScreen } from './process-screen';

const route: Route = { screen: 'process', name: 'web' };

/** Shows the role once whoami has answered, so a test can wait for it before checking absences. */
function RoleProbe() {
  const auth = useAuth();
  return <p>role: {auth.whoami?.role ?? 'unknown'}</p>;
}

function setup(role: 'viewer' | 'operator' = 'operator') {
  const api = fakeApi();
  api.on('GET /api/v1/auth/whoami', whoami(role));
  api.on('GET /api/v1/processes/web', { json: webDetail });
  api.on('GET /api/v1/processes/web/logs', { json: { process: 'web', lines: logLines } });
  const app = renderApp(
    <>
      <RoleProbe />
      <ProcessScreen route={route} />
    </>,
    '/processes/web',
  );
  return { api, ...app };
}

const instancesTable = () => screen.findByRole('table', { name: 'Instances of web' });

describe('the process screen', () => {
  it('shows the summary and each instance with its state, figures and why it is in backoff', async () => {
    setup('viewer');
    const table = await instancesTable();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('web');
    expect(screen.getByLabelText('Ready instances')).toHaveTextContent('1 / 2');
    const rows = within(table).getAllByRole('row');
    const first = rows.find((r) => r.dataset['instance'] === 'web-0-1cd839')!;
    expect(within(first).getByText('healthy')).toHaveAttribute('data-state', 'healthy');
    expect(first).toHaveTextContent('9172');
    expect(first).toHaveTextContent('18100');
    expect(first).toHaveTextContent('1h 2m'); // uptime from the instance's own sample
    expect(first).toHaveTextContent('12.5 %');
    expect(first).toHaveTextContent('52.0 MiB');
    const second = rows.find((r) => r.dataset['instance'] === 'web-1-77aa01')!;
    expect(within(second).getByText('backoff')).toBeInTheDocument();
    const trouble = screen.getByLabelText('Why #1 is backoff');
    expect(trouble).toHaveTextContent('exited with code 1');
    expect(trouble).toHaveTextContent('Last exit: code 1.');
    expect(screen.getByLabelText('Last stderr lines of #1')).toHaveTextContent('crashing now');
  });

  it('shows no action to a viewer', async () => {
    setup('viewer');
    await instancesTable();
    await screen.findByText('role: viewer');
    expect(screen.queryByRole('group', { name: 'Actions for web' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^(Stop|Start|Restart|Scale)/ })).toBeNull();
  });

  it('stops one instance after a confirmation, with progress and the outcome', async () => {
    const { api } = setup();
    api.on('POST /api/v1/processes/web/stop', () => ({ json: { message: 'stopped' } }));
    await instancesTable();
    const stop = await screen.findByRole('button', { name: 'Stop #0' });
    await userEvent.click(stop);
    const dialog = screen.getByRole('dialog', { name: 'Stop #0' });
    expect(dialog).toHaveTextContent('Stop instance #0 of web (web-0-1cd839)?');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Stop' }));
    expect(await screen.findByText('done')).toBeInTheDocument();
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post).toMatchObject({
      path: '/api/v1/processes/web/stop',
      body: { instance_id: 'web-0-1cd839' },
      auth: undefined,
    });
    // The detail is read again after the action.
    await waitFor(() =>
      expect(api.requests.filter((r) => r.path === '/api/v1/processes/web').length).toBeGreaterThan(
        1,
      ),
    );
  });

  it('shows a refused action as its error beside the button', async () => {
    const { api } = setup();
    api.on('POST /api/v1/processes/web/start', {
      status: 409,
      json: {
        error: 'web cannot run 5 instances: max_instances is 4',
        code: 'max_instances_reached',
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Start one more' }));
    await userEvent.click(
      within(screen.getByRole('dialog', { name: 'Start one more' })).getByRole('button', {
        name: 'Start one more',
      }),
    );
    expect(
      await screen.findByText(/max_instances is 4 \(max_instances_reached\)/),
    ).toBeInTheDocument();
  });

  it('scales within min..max', async () => {
    const { api } = setup();
    api.on('POST /api/v1/processes/web/scale', { json: { message: 'scaled', process: webDetail } });
    await userEvent.click(await screen.findByRole('button', { name: 'Scale' }));
    const dialog = screen.getByRole('dialog', { name: 'Scale' });
    expect(dialog).toHaveTextContent('(1–4)');
    const input = within(dialog).getByLabelText('Instances');
    expect(input).toHaveValue(2);
    await userEvent.clear(input);
    await userEvent.type(input, '3');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Apply' }));
    await screen.findByText('done');
    expect(api.requests.find((r) => r.method === 'POST')).toMatchObject({
      path: '/api/v1/processes/web/scale',
      body: { instances: 3 },
    });
  });

  it('offers a start to an instance that is not running, and restarts every instance', async () => {
    const { api } = setup();
    api.on('POST /api/v1/processes/web/restart', { json: { message: 'ok', process: webDetail } });
    api.on('POST /api/v1/processes/web/stop', { json: { message: 'ok' } });
    await instancesTable();
    expect(await screen.findByRole('button', { name: 'Stop #1' })).toBeInTheDocument(); // backoff
    expect(screen.queryByRole('button', { name: 'Start #1' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Restart all' }));
    await userEvent.click(
      within(screen.getByRole('dialog', { name: 'Restart all' })).getByRole('button', {
        name: 'Restart all',
      }),
    );
    await screen.findByText('done');
    expect(api.requests.find((r) => r.method === 'POST')).toMatchObject({
      path: '/api/v1/processes/web/restart',
      body: {},
    });
  });

  it('updates instance states and figures live, without a reload', async () => {
    const { api, live } = setup('viewer');
    live.start();
    await instancesTable();
    const stopped = {
      ...webDetail,
      instances: [
        { ...webDetail.instances[0]!, status: 'stopped' as const, pid: null },
        webDetail.instances[1]!,
      ],
    };
    api.on('GET /api/v1/processes/web', { json: stopped });
    await waitFor(() =>
      expect(api.requests.some((r) => r.path.startsWith('/api/v1/events'))).toBe(true),
    );
    api.push('/api/v1/events', 'instance.state', {
      seq: 20,
      at: Date.now(),
      process: 'web',
      type: 'instance.state',
      instance: 'web-0-1cd839',
      index: 0,
      from: 'healthy',
      to: 'stopped',
    });
    const row = () =>
      screen.getAllByRole('row').find((r) => r.dataset['instance'] === 'web-0-1cd839')!;
    await waitFor(() => expect(within(row()).getByText('stopped')).toBeInTheDocument());
    // The live event joins the timeline.
    expect(screen.getByRole('list', { name: 'Events of web' })).toHaveTextContent(
      'healthy → stopped',
    );

    api.on('GET /api/v1/processes/web', { json: webDetail });
    api.push('/api/v1/events', 'instance.state', {
      seq: 21,
      at: Date.now(),
      process: 'web',
      type: 'instance.state',
      index: 0,
      from: 'stopped',
      to: 'healthy',
    });
    await waitFor(() => expect(within(row()).getByText('healthy')).toBeInTheDocument());
    api.push(
      '/api/v1/events',
      'metrics',
      frame(new Date().toISOString(), [instanceMetrics('web', 0, 'web-0-1cd839', 77.7, 1024)]),
    );
    await waitFor(() => expect(row()).toHaveTextContent('77.7 %'));
    expect(row()).toHaveTextContent('1.0 KiB');
  });

  it('draws the live chart from metrics frames and the history for a chosen range', async () => {
    const { api, live } = setup('viewer');
    api.on('GET /api/v1/processes/web/metrics', { json: webMetrics });
    live.start();
    await instancesTable();
    const liveChart = () => document.querySelector('[data-chart="cpu-live"]')!;
    expect(liveChart()).toHaveAttribute('data-points', '0');
    await waitFor(() =>
      expect(api.requests.some((r) => r.path.startsWith('/api/v1/events'))).toBe(true),
    );
    for (const s of [1, 2, 3])
      api.push(
        '/api/v1/events',
        'metrics',
        frame(`2026-11-29T04:00:0${s}.000Z`, [
          instanceMetrics('web', 0, 'web-0-1cd839', s * 10, 1000),
        ]),
      );
    await waitFor(() => expect(liveChart()).toHaveAttribute('data-points', '3'));
    expect(
      screen.getByRole('img', { name: /CPU per instance.*live: latest: #0 30.0 %/ }),
    ).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: '1 h' }));
    expect(screen.getByRole('button', { name: '1 h' })).toHaveAttribute('aria-pressed', 'true');
    const history = await waitFor(() => {
      const chart = document.querySelector('[data-chart="cpu-history"]');
      if (!chart) throw new Error('no history chart yet');
      return chart;
    });
    expect(history).toHaveAttribute('data-points', '2');
    expect(history).toHaveAttribute('data-series', '2');
    expect(api.requests.some((r) => r.path === '/api/v1/processes/web/metrics?from=-1h')).toBe(
      true,
    );
  });

  it('shows the log tail, filters it, narrows it to one instance and follows new lines', async () => {
    const { api } = setup('viewer');
    const log = await screen.findByRole('log', { name: 'Log lines' });
    const followPath = '/api/v1/processes/web/logs?tail=200&follow=1';
    await waitFor(() => expect(api.requests.some((r) => r.path === followPath)).toBe(true));
    // Following, the tail arrives as the stream's first events.
    for (const line of logLines) api.push('/api/v1/processes/web/logs', 'line', line);
    await waitFor(() => expect(log).toHaveTextContent('ready 18100'));
    expect(log).toHaveTextContent('crashing now');

    await userEvent.type(screen.getByLabelText('Search'), 'CRASH');
    expect(log).not.toHaveTextContent('ready 18100');
    expect(log).toHaveTextContent('crashing now');
    expect(screen.getByText(/1 of 3 lines matching “CRASH”/)).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText('Search'));

    api.push('/api/v1/processes/web/logs', 'line', { ...logLines[1]!, text: 'a new line' });
    await waitFor(() => expect(log).toHaveTextContent('a new line'));

    await userEvent.click(screen.getByLabelText('Follow'));
    await userEvent.selectOptions(screen.getByLabelText('Instance'), '1');
    await waitFor(() =>
      expect(
        api.requests.some((r) => r.path === '/api/v1/processes/web/logs?tail=200&instance=1'),
      ).toBe(true),
    );
    await waitFor(() =>
      expect(screen.getByRole('log', { name: 'Log lines' })).toHaveTextContent('crashing now'),
    );
  });

  it('says what to do for an unknown process', async () => {
    const api = fakeApi();
    api.on('GET /api/v1/auth/whoami', whoami('viewer'));
    api.on('GET /api/v1/processes/gone', {
      status: 404,
      json: { error: 'process gone not found', code: 'process_not_found' },
    });
    renderApp(<ProcessScreen route={{ screen: 'process', name: 'gone' }} />, '/processes/gone');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('process gone not found');
    expect(alert).toHaveTextContent('removed from the config');
    expect(screen.getByRole('link', { name: 'Back to the overview' })).toBeInTheDocument();
  });
});
