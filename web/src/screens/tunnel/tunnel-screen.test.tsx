import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fakeApi, type FakeApi } from '../../test/fake-api';
import { renderApp } from '../../test/render';
import { copyText, TunnelScreen } from './tunnel-screen';

const URL_ = 'https://sends-delta-lodging-ember.trycloudflare.com';

function setup(tunnel: object): FakeApi {
  const api = fakeApi();
  api.on('GET /api/v1/auth/whoami', {
    json: { authenticated: true, auth_required: true, role: 'viewer', name: 'ro' },
  });
  api.on('GET /api/v1/tunnel', { json: tunnel });
  return api;
}

describe('the tunnel screen', () => {
  it('shows the URL and copies it', async () => {
    setup({
      enabled: true,
      state: 'connected',
      url: URL_,
      registered: true,
      restarts: 0,
      since: 1_795_918_250_781,
      pid: 29268,
    });
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    renderApp(<TunnelScreen />, '/tunnel');
    expect(await screen.findByLabelText('Public URL')).toHaveValue(URL_);
    expect(screen.getByText('connected')).toBeInTheDocument();
    expect(screen.getByText(/yes: tunnel access tokens work/)).toBeInTheDocument();
    expect(screen.getByText('29268')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(await screen.findByText('Copied to the clipboard.')).toBeInTheDocument();
    expect(writeText).toHaveBeenCalledWith(URL_);
  });

  it('explains the disabled tunnel and how to turn it on', async () => {
    setup({ enabled: false, state: 'disabled', url: null, registered: false, restarts: 0 });
    renderApp(<TunnelScreen />, '/tunnel');
    expect(await screen.findByText('The Cloudflare tunnel is off')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('tunnel.enabled: true');
    expect(screen.queryByRole('button', { name: 'Copy' })).toBeNull();
  });

  it('shows why the tunnel is not up', async () => {
    setup({
      enabled: true,
      state: 'backoff',
      url: null,
      registered: false,
      restarts: 3,
      next_attempt_at: 1_795_918_260_000,
      last_error:
        'cloudflared was not found at cloudflared (ENOENT): install cloudflared or put it on PATH',
    });
    renderApp(<TunnelScreen />, '/tunnel');
    expect(await screen.findByRole('alert')).toHaveTextContent('install cloudflared');
    expect(screen.getByText('No public URL yet.')).toBeInTheDocument();
    expect(screen.getByText(/only API keys/)).toBeInTheDocument();
    expect(screen.getByText('Next attempt')).toBeInTheDocument();
  });

  it('shows the error when the daemon refuses', async () => {
    const api = setup({});
    api.on('GET /api/v1/tunnel', {
      status: 503,
      json: { error: 'shutting down', code: 'shutting_down' },
    });
    renderApp(<TunnelScreen />, '/tunnel');
    expect(await screen.findByRole('alert')).toHaveTextContent('shutting down');
  });
});

describe('copyText', () => {
  it('says what to do without a clipboard or when copying is refused', async () => {
    expect(await copyText('x', undefined)).toMatchObject({ ok: false });
    expect((await copyText('x', undefined)).message).toMatch(/copy it by hand/);
    const refused = await copyText('x', {
      writeText: () => Promise.reject(new Error('NotAllowedError')),
    });
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain('NotAllowedError');
  });
});
