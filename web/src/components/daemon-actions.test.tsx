import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeApi } from '../test/fake-api';
import { renderApp } from '../test/render';
import { useAuth } from '../auth';
import { DaemonActions } from './daemon-actions';

function Role() {
  const role = useAuth().whoami?.role;
  return role ? <span>role: {role}</span> : null;
}

const whoami = (role: string) => ({
  json: { authenticated: true, auth_required: true, role, name: 'k' },
});

describe('DaemonActions', () => {
  it('reloads the config after a confirmation and says what changed (admin)', async () => {
    const api = fakeApi();
    api.on('GET /api/v1/auth/whoami', whoami('admin'));
    api.on('POST /api/v1/reload', {
      json: {
        message: 'config reloaded',
        added: [],
        removed: [],
        changed: ['api'],
        restartRequired: [],
      },
    });
    renderApp(<DaemonActions />);
    await userEvent.click(await screen.findByRole('button', { name: 'Reload config' }));
    const dialog = screen.getByRole('dialog', { name: 'Reload config' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reload config' }));
    expect(await screen.findByText('config reloaded')).toBeInTheDocument();
    expect(api.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      '/api/v1/reload',
    ]);
  });

  it('is not shown to an operator', async () => {
    const api = fakeApi();
    api.on('GET /api/v1/auth/whoami', whoami('operator'));
    renderApp(
      <>
        <Role />
        <DaemonActions />
      </>,
    );
    // Only once the role is known can the absence of the buttons mean anything.
    expect(await screen.findByText('role: operator')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Reload config' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Restart daemon' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Shut down daemon' })).toBeNull();
  });

  it('restarts the daemon after a confirmation (admin)', async () => {
    const api = fakeApi();
    api.on('GET /api/v1/auth/whoami', whoami('admin'));
    api.on('POST /api/v1/restart', {
      status: 202,
      json: { status: 'restarting', method: 'respawn' },
    });
    renderApp(<DaemonActions />);
    await userEvent.click(await screen.findByRole('button', { name: 'Restart daemon' }));
    const dialog = screen.getByRole('dialog', { name: 'Restart daemon' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Restart daemon' }));
    expect(await screen.findByText('restarting')).toBeInTheDocument();
    expect(api.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      '/api/v1/restart',
    ]);
  });
});
