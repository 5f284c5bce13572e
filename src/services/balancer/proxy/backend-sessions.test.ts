import http2, { type ServerHttp2Session } from 'node:http2';
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { BackendSessions } from './backend-sessions.js';

async function startServer(onStream: (stream: http2.ServerHttp2Stream) => void = () => {}) {
  const server = http2.createServer();
  const sessions: ServerHttp2Session[] = [];
  server.on('session', (session) => sessions.push(session));
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    onStream(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as net.AddressInfo).port, sessions };
}

const immediate = () => Promise.resolve();

describe('BackendSessions', () => {
  it('pools one session per backend id', async () => {
    const { port } = await startServer();
    const pool = new BackendSessions();
    onTestFinished(() => pool.close(0, immediate));
    const a = { id: 'a', host: '127.0.0.1', port };
    const b = { id: 'b', host: '127.0.0.1', port };
    expect(pool.session(a) === pool.session(a)).toBe(true);
    expect(pool.session(b) === pool.session(a)).toBe(false);
    expect(pool.size).toBe(2);
  });

  it('opens a new session after the backend sent GOAWAY', async () => {
    const server = await startServer();
    const pool = new BackendSessions();
    onTestFinished(() => pool.close(0, immediate));
    const backend = { id: 'a', host: '127.0.0.1', port: server.port };
    const first = pool.session(backend);
    await waitFor(() => server.sessions.length === 1 || 'not connected yet');
    server.sessions[0]!.goaway();
    await waitFor(() => pool.session(backend) !== first || 'still the old session');
  });

  it('drops a session that failed to connect and warns once, naming the backend', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const warnings: string[] = [];
    const pool = new BackendSessions({ onWarning: (message) => warnings.push(message) });
    const backend = { id: 'gone', host: '127.0.0.1', port };
    const session = pool.session(backend);
    await waitFor(() => session.destroyed || 'session not failed yet');
    expect(warnings).toEqual([`backend gone (127.0.0.1:${port}) session failed: ECONNREFUSED`]);
    expect(pool.session(backend) === session).toBe(false);
    await pool.close(0, immediate);
    expect(pool.size).toBe(0);
  });

  it('close() waits for streams in flight, then destroys what is left after the grace', async () => {
    const { port } = await startServer(); // never answers
    const pool = new BackendSessions();
    const session = pool.session({ id: 'a', host: '127.0.0.1', port });
    const stream = session.request({ ':method': 'POST', ':path': '/x' });
    stream.on('error', () => {});
    let releaseGrace = () => {};
    const grace = new Promise<void>((resolve) => (releaseGrace = resolve));
    let closed = false;
    const closing = pool.close(5000, () => grace).then(() => (closed = true));
    await waitFor(() => session.closed || 'not closing');
    expect(session.destroyed).toBe(false); // graceful: the stream may still finish
    expect(closed).toBe(false);
    releaseGrace();
    await closing;
    expect(session.destroyed).toBe(true);
    expect(pool.size).toBe(0);
  });
});
