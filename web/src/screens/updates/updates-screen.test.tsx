import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeApi, type FakeApi } from '../../test/fake-api';
import { renderApp } from '../../test/render';
import { downloadText, phaseText } from './update-progress';
import { runningUpdates, UpdatesScreen } from './updates-screen';

const whoami = (role: string) => ({
  json: { authenticated: true, auth_required: true, role, name: 'ops' },
});

const available = {
  updates: [
    {
      processName: 'echo',
      currentVersion: 'v1.0.0',
      latestVersion: 'v1.1.0',
      releaseDate: '2026-11-20T10:00:00Z',
      releaseNotes: '## Changes\n<img src=x onerror=alert(1)> fixed',
      upToDate: false,
      repository: 'acme/echo',
      releaseUrl: 'https://github.com/acme/echo/releases/tag/v1.1.0',
    },
    {
      processName: 'api',
      currentVersion: '',
      latestVersion: '',
      releaseDate: '',
      releaseNotes: '',
      upToDate: false,
      repository: 'acme/api',
      error: { code: 'github_unavailable', message: 'GitHub answered 502' },
    },
  ],
};

const status = (phase: string, progress: number, extra: object = {}) => ({
  update_id: 'upd-1',
  process_name: 'echo',
  status: phase,
  progress,
  message: `${phase} now`,
  timestamp: 1_795_918_250_000,
  kind: 'update',
  from_version: 'v1.0.0',
  to_version: 'v1.1.0',
  strategy: 'rolling',
  trigger: 'api',
  started_at: 1_795_918_240_000,
  ...extra,
});

const version = {
  process: 'echo',
  current_version: 'v1.1.0',
  previous_version: 'v1.0.0',
  latest_version: 'v1.1.0',
  update_available: false,
  repository: 'acme/echo',
  instances: [{ id: 'echo-0-abc', version: 'v1.1.0', uptime: 12 }],
  history: [
    {
      version: 'v1.1.0',
      installed_at: '2026-11-29T08:00:00Z',
      active: true,
      previous: false,
      installed: true,
      asset: 'echo_linux_amd64.tar.gz',
      sha256: 'ab'.repeat(32),
      verified: true,
    },
    {
      version: 'v1.0.0',
      installed_at: '2026-11-28T08:00:00Z',
      active: false,
      previous: true,
      installed: true,
      asset: 'echo_linux_amd64.tar.gz',
      sha256: 'cd'.repeat(32),
      verified: true,
    },
  ],
};

function setup(role = 'operator'): FakeApi {
  const api = fakeApi();
  api.on('GET /api/v1/auth/whoami', whoami(role));
  api.on('GET /api/v1/updates/available', { json: available });
  return api;
}

/** The open ConfirmAction dialog (named after the action). */
const dialog = (name: string) => screen.findByRole('dialog', { name });

async function confirmIn(dialogName: string, button: string) {
  await userEvent.click(within(await dialog(dialogName)).getByRole('button', { name: button }));
}

const UPDATE_STARTED = {
  status: 202,
  json: {
    message: 'update started',
    process: 'echo',
    update_id: 'upd-1',
    current_version: 'v1.0.0',
    target_version: 'v1.1.0',
    estimated_duration: 30,
  },
};

describe('the updates screen', () => {
  it('lists each process with its versions, notes as plain text, and GitHub errors', async () => {
    setup('viewer');
    renderApp(<UpdatesScreen />, '/updates');
    const echo = await screen.findByRole('region', { name: 'echo' });
    expect(echo).toHaveTextContent('Runs v1.0.0; latest release v1.1.0');
    expect(within(echo).getByText('update available')).toBeInTheDocument();
    const notes = within(echo).getByText(/## Changes/);
    expect(notes.tagName).toBe('PRE');
    expect(notes.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(echo.querySelector('img')).toBeNull();
    const apiCard = screen.getByRole('region', { name: 'api' });
    expect(within(apiCard).getByRole('alert')).toHaveTextContent('GitHub answered 502');
    expect(apiCard).toHaveTextContent('(binary_path)');
    // A viewer sees no action.
    expect(screen.queryByRole('button', { name: /Update/ })).toBeNull();
  });

  it('says what to configure when no process has a repository', async () => {
    const api = setup();
    api.on('GET /api/v1/updates/available', { json: { updates: [] } });
    renderApp(<UpdatesScreen />, '/updates');
    expect(await screen.findByText('No process has a GitHub repository')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('processes[].repository');
  });

  it('shows the error and a retry when the daemon refuses', async () => {
    const api = setup();
    api.on('GET /api/v1/updates/available', {
      status: 403,
      json: { error: 'role viewer needed', code: 'forbidden' },
    });
    renderApp(<UpdatesScreen />, '/updates');
    expect(await screen.findByRole('alert')).toHaveTextContent('role viewer needed');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('updates with the chosen strategy and follows the progress to the end', async () => {
    const api = setup();
    api.on('POST /api/v1/processes/echo/update', UPDATE_STARTED);
    renderApp(<UpdatesScreen />, '/updates');
    await userEvent.click(await screen.findByRole('button', { name: 'Update echo' }));
    await userEvent.selectOptions(
      within(await dialog('Update echo')).getByLabelText('Strategy'),
      'blue-green',
    );
    await confirmIn('Update echo', 'Update');
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({
        strategy: 'blue-green',
      }),
    );
    const bar = await screen.findByRole('progressbar', { name: 'Update progress of echo' });
    await waitFor(() =>
      expect(api.requests.some((r) => r.path === '/api/v1/updates/upd-1/events')).toBe(true),
    );
    act(() =>
      api.push(
        '/api/v1/updates/upd-1/events',
        'status',
        status('downloading', 20, {
          download: { bytes: 1_048_576, total: 4_194_304, rate: 524_288 },
        }),
      ),
    );
    await waitFor(() => expect(bar).toHaveAttribute('value', '20'));
    expect(screen.getByText(/downloading the release/)).toHaveTextContent(
      '1.0 MiB of 4.0 MiB at 512 KiB/s',
    );
    act(() => api.push('/api/v1/updates/upd-1/events', 'status', status('completed', 100)));
    await waitFor(() => expect(bar).toHaveAttribute('value', '100'));
    expect(screen.getByText('completed', { selector: '.badge' })).toBeInTheDocument();
  });

  it('shows a failed update with its error', async () => {
    const api = setup();
    api.on('POST /api/v1/processes/echo/update', UPDATE_STARTED);
    renderApp(<UpdatesScreen />, '/updates');
    await userEvent.click(await screen.findByRole('button', { name: 'Update echo' }));
    await confirmIn('Update echo', 'Update');
    await screen.findByRole('progressbar', { name: 'Update progress of echo' });
    await waitFor(() =>
      expect(api.requests.some((r) => r.path === '/api/v1/updates/upd-1/events')).toBe(true),
    );
    act(() =>
      api.push(
        '/api/v1/updates/upd-1/events',
        'status',
        status('failed', 40, {
          error: { code: 'checksum_mismatch', message: 'the sha256 does not match' },
        }),
      ),
    );
    expect(await screen.findByText(/the sha256 does not match/)).toHaveTextContent(
      'checksum_mismatch',
    );
  });

  it('refuses an update the daemon refuses, beside the button', async () => {
    const api = setup();
    api.on('POST /api/v1/processes/echo/update', {
      status: 409,
      json: { error: 'an update of echo is already running', code: 'update_in_progress' },
    });
    renderApp(<UpdatesScreen />, '/updates');
    await userEvent.click(await screen.findByRole('button', { name: 'Update echo' }));
    await userEvent.type(
      within(await dialog('Update echo')).getByLabelText('Version (empty: the latest)'),
      'v1.0.5',
    );
    await confirmIn('Update echo', 'Update');
    expect(await screen.findByText(/already running \(update_in_progress\)/)).toBeInTheDocument();
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ version: 'v1.0.5' });
  });

  it('shows the install history and rolls back to a chosen version', async () => {
    const api = setup();
    api.on('GET /api/v1/processes/echo/version', { json: version });
    api.on('POST /api/v1/processes/echo/rollback', {
      status: 202,
      json: {
        message: 'rollback started',
        process: 'echo',
        rollback_id: 'rb-7',
        from_version: 'v1.1.0',
        to_version: 'v1.0.0',
      },
    });
    renderApp(<UpdatesScreen />, '/updates');
    const echo = await screen.findByRole('region', { name: 'echo' });
    await userEvent.click(within(echo).getByText('Versions and rollback'));
    const table = await screen.findByRole('table', { name: 'Install history of echo' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(table).toHaveTextContent('v1.0.0');
    await userEvent.click(screen.getByRole('button', { name: 'Roll back echo' }));
    await userEvent.selectOptions(
      within(await dialog('Roll back echo')).getByLabelText('Version'),
      'v1.0.0',
    );
    await confirmIn('Roll back echo', 'Roll back');
    await waitFor(() =>
      expect(api.requests.find((r) => r.path.endsWith('/rollback'))?.body).toEqual({
        version: 'v1.0.0',
      }),
    );
    await screen.findByRole('progressbar', { name: 'Update progress of echo' });
    await waitFor(() =>
      expect(api.requests.some((r) => r.path === '/api/v1/updates/rb-7/events')).toBe(true),
    );
    act(() =>
      api.push(
        '/api/v1/updates/rb-7/events',
        'status',
        status('starting', 60, { update_id: 'rb-7', kind: 'rollback' }),
      ),
    );
    expect(
      await screen.findByRole('progressbar', { name: 'Rollback progress of echo' }),
    ).toHaveAttribute('value', '60');
  });

  it('updates all and lists the outcome per process', async () => {
    const api = setup();
    api.on('POST /api/v1/update', {
      status: 202,
      json: {
        success: false,
        message: '1 update started',
        processes: [
          {
            name: 'echo',
            current_version: 'v1.0.0',
            target_version: 'v1.1.0',
            status: 'started',
            estimated_duration: 30,
            update_id: 'upd-9',
          },
          {
            name: 'api',
            current_version: '',
            target_version: '',
            status: 'failed',
            estimated_duration: 0,
            message: 'GitHub answered 502',
          },
        ],
        updateId: 'upd-9',
      },
    });
    renderApp(<UpdatesScreen />, '/updates');
    await userEvent.click(await screen.findByRole('button', { name: 'Update all' }));
    await confirmIn('Update all', 'Update all');
    const outcome = await screen.findByRole('list', { name: 'Update all: outcome per process' });
    expect(outcome).toHaveTextContent('echo: started (v1.0.0 → v1.1.0)');
    expect(outcome).toHaveTextContent('api: failed — GitHub answered 502');
    expect(
      await screen.findByRole('progressbar', { name: 'Update progress of echo' }),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(api.requests.some((r) => r.path === '/api/v1/updates/upd-9/events')).toBe(true),
    );
  });

  it('follows an update started elsewhere from its live event and keeps its outcome', async () => {
    const api = setup('viewer');
    const { live } = renderApp(<UpdatesScreen />, '/updates');
    live.start();
    await screen.findByRole('region', { name: 'echo' });
    await waitFor(() =>
      expect(api.requests.some((r) => r.path.startsWith('/api/v1/events'))).toBe(true),
    );
    act(() =>
      api.push('/api/v1/events', 'process.update', {
        seq: 7,
        at: 1_795_918_250_000,
        process: 'echo',
        type: 'process.update',
        updateId: 'upd-hook',
        kind: 'update',
        phase: 'downloading',
        to: 'v1.1.0',
        strategy: 'rolling',
        trigger: 'webhook',
        progress: 10,
        message: 'downloading',
      }),
    );
    const bar = await screen.findByRole('progressbar', { name: 'Update progress of echo' });
    await waitFor(() =>
      expect(api.requests.some((r) => r.path === '/api/v1/updates/upd-hook/events')).toBe(true),
    );
    act(() =>
      api.push(
        '/api/v1/updates/upd-hook/events',
        'status',
        status('completed', 100, { update_id: 'upd-hook' }),
      ),
    );
    await waitFor(() => expect(bar).toHaveAttribute('value', '100'));
    act(() =>
      api.push('/api/v1/events', 'process.update', {
        seq: 8,
        at: 1_795_918_260_000,
        process: 'echo',
        type: 'process.update',
        updateId: 'upd-hook',
        phase: 'completed',
        progress: 100,
      }),
    );
    // Still shown with its outcome after the final event.
    await waitFor(() => expect(live.snapshot().events[0]?.seq).toBe(8));
    expect(screen.getByRole('progressbar', { name: 'Update progress of echo' })).toHaveAttribute(
      'value',
      '100',
    );
    live.stop();
  });
});

describe('update helpers', () => {
  it('finds the updates running now from the newest events', () => {
    const ev = (process: string, updateId: string, phase: string, seq: number) => ({
      seq,
      at: seq,
      process,
      type: 'process.update',
      updateId,
      phase,
    });
    expect(
      runningUpdates([
        ev('echo', 'u2', 'downloading', 4),
        ev('api', 'u3', 'completed', 3),
        ev('echo', 'u1', 'failed', 2),
        ev('api', 'u0', 'starting', 1),
        { seq: 0, at: 0, process: 'web', type: 'instance.started' },
      ]),
    ).toEqual({ echo: 'u2' });
  });

  it('words phases and downloads', () => {
    expect(phaseText('health_check')).toBe('waiting for new instances to be ready');
    expect(downloadText({ bytes: 2048, total: null, rate: 1024 })).toBe('2.0 KiB at 1.0 KiB/s');
  });
});
