import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { fakeApi } from './test/fake-api';
import { renderApp } from './test/render';

const whoami = (role: string, auth = true) => ({
  json: { authenticated: auth, auth_required: auth, role, name: auth ? 'ops' : null },
});

describe('the dashboard shell', () => {
  it('asks for an API key when the daemon wants one, refuses a wrong one, and signs in with a right one', async () => {
    const api = fakeApi();
    const refused = { status: 401, json: { error: 'invalid API key', code: 'unauthenticated' } };
    api.on('GET /api/v1/auth/whoami', refused);
    renderApp(<App />);
    const input = await screen.findByLabelText('API key');
    await userEvent.type(input, 'wrong-key');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('invalid API key');

    api.on('GET /api/v1/auth/whoami', whoami('operator'));
    await userEvent.clear(screen.getByLabelText('API key'));
    await userEvent.type(screen.getByLabelText('API key'), 'right-key');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    expect(screen.getByText(/ops · operator/)).toBeInTheDocument();
    expect(api.requests.some((r) => r.auth === 'Bearer right-key')).toBe(true);
    // Kept for the tab's session only.
    expect(window.sessionStorage.getItem('gowinproc.apiKey')).toBe('right-key');
    expect(window.localStorage.getItem('gowinproc.apiKey')).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(window.sessionStorage.getItem('gowinproc.apiKey')).toBeNull();
  });

  it('opens without a login on a daemon without auth, navigates by URL, and switches the theme', async () => {
    const api = fakeApi();
    api.on('GET /api/v1/auth/whoami', whoami('admin', false));
    renderApp(<App />, '/nowhere');
    expect(await screen.findByText(/Nothing at \/nowhere/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    await userEvent.click(screen.getByRole('link', { name: 'Updates' }));
    expect(window.location.pathname).toBe('/updates');
    expect(screen.getByRole('link', { name: 'Updates' })).toHaveAttribute('aria-current', 'page');
    const before = document.documentElement.dataset['theme'];
    await userEvent.click(screen.getByRole('button', { name: /Switch to the/ }));
    await waitFor(() => expect(document.documentElement.dataset['theme']).not.toBe(before));
  });

  it('says how to get the daemon back when it cannot be reached', async () => {
    const api = fakeApi();
    api.on('GET /api/v1/auth/whoami', {
      status: 503,
      json: { error: 'down', code: 'shutting_down' },
    });
    renderApp(<App />);
    expect(await screen.findByRole('alert', {}, { timeout: 5000 })).toHaveTextContent('down');
  });
});
