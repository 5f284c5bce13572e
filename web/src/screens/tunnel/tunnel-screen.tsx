/**
 * Tunnel (/tunnel): the Cloudflare quick tunnel's state and public URL with a "Copy" button,
 * whether the URL is registered with the auth worker, and why it is not up when it is not.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get } from '../../api/client';
import { Empty, ErrorState, Loading, StateBadge, formatTime } from '../../components/ui';
import './tunnel.css';

/** GET /api/v1/tunnel (src/api/rest/routes/daemon-routes.ts). */
export interface TunnelStatus {
  enabled: boolean;
  state: 'disabled' | 'starting' | 'registering' | 'connected' | 'backoff' | 'stopped';
  url: string | null;
  registered: boolean;
  restarts: number;
  pid?: number;
  since?: number;
  next_attempt_at?: number;
  last_error?: string;
}

const STATE_TEXT: Record<TunnelStatus['state'], string> = {
  disabled: 'The tunnel is off.',
  starting: 'cloudflared runs and has not printed a URL yet.',
  registering: 'The URL is known and being registered with the auth worker.',
  connected: 'The tunnel is up.',
  backoff: 'cloudflared exited or could not be started; it is restarted with back-off.',
  stopped: 'The daemon is shutting down.',
};

/**
 * Copies text with the async clipboard API. It exists only in a secure context (https or
 * localhost): elsewhere say so, and the URL field stays selectable for a manual copy.
 */
export async function copyText(
  text: string,
  clipboard: Pick<Clipboard, 'writeText'> | undefined,
): Promise<{ ok: boolean; message: string }> {
  if (!clipboard) {
    return {
      ok: false,
      message:
        'This browser does not allow copying here (it needs https or localhost): select the URL and copy it by hand.',
    };
  }
  try {
    await clipboard.writeText(text);
    return { ok: true, message: 'Copied to the clipboard.' };
  } catch (error) {
    return {
      ok: false,
      message: `Copying was refused (${String(error)}): select the URL and copy it by hand.`,
    };
  }
}

export function TunnelScreen() {
  const tunnel = useQuery({
    queryKey: ['tunnel'],
    queryFn: () => get<TunnelStatus>('/api/v1/tunnel'),
  });
  return (
    <section aria-labelledby="tunnel-title" className="tunnel">
      <h1 id="tunnel-title">Tunnel</h1>
      {tunnel.isPending ? (
        <Loading what="the tunnel" />
      ) : tunnel.isError ? (
        <ErrorState error={tunnel.error} retry={() => void tunnel.refetch()} />
      ) : !tunnel.data.enabled || tunnel.data.state === 'disabled' ? (
        <Empty title="The Cloudflare tunnel is off">
          Set <code>tunnel.enabled: true</code> in the config (and install <code>cloudflared</code>)
          to reach this daemon from the internet through a quick tunnel; see docs/cloudflare.md.
        </Empty>
      ) : (
        <TunnelPanel tunnel={tunnel.data} />
      )}
    </section>
  );
}

function TunnelPanel({ tunnel }: { tunnel: TunnelStatus }) {
  const [copied, setCopied] = useState<{ ok: boolean; message: string } | undefined>();
  return (
    <div className="panel">
      <p>
        <StateBadge state={tunnel.state} /> {STATE_TEXT[tunnel.state]}
      </p>
      {tunnel.url ? (
        <div className="tunnel-url">
          <label htmlFor="tunnel-url">Public URL</label>
          <input
            id="tunnel-url"
            readOnly
            value={tunnel.url}
            onFocus={(event) => event.currentTarget.select()}
          />
          <button
            type="button"
            onClick={() =>
              void copyText(tunnel.url ?? '', navigator.clipboard as Clipboard | undefined).then(
                setCopied,
              )
            }
          >
            Copy
          </button>
          {copied ? (
            <span role="status" className={copied.ok ? 'ok' : 'bad'}>
              {copied.message}
            </span>
          ) : null}
        </div>
      ) : (
        <p className="muted">No public URL yet.</p>
      )}
      <dl className="tunnel-facts">
        <dt>Registered with the auth worker</dt>
        <dd>
          {tunnel.registered
            ? 'yes: tunnel access tokens work'
            : 'no: only API keys (and JWTs) work through the tunnel'}
        </dd>
        <dt>Restarts</dt>
        <dd>{tunnel.restarts}</dd>
        {tunnel.pid !== undefined ? (
          <>
            <dt>cloudflared pid</dt>
            <dd>{tunnel.pid}</dd>
          </>
        ) : null}
        {tunnel.since !== undefined ? (
          <>
            <dt>In this state since</dt>
            <dd>{formatTime(tunnel.since)}</dd>
          </>
        ) : null}
        {tunnel.next_attempt_at !== undefined ? (
          <>
            <dt>Next attempt</dt>
            <dd>{formatTime(tunnel.next_attempt_at)}</dd>
          </>
        ) : null}
      </dl>
      {tunnel.last_error ? (
        <p role="alert" className="bad">
          {tunnel.last_error}
        </p>
      ) : null}
    </div>
  );
}
