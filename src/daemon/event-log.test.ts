import { describe, expect, it } from 'vitest';
import type { SupervisorEvent } from '../core/index.js';
import type { Logger } from '../shared/index.js';
import { logEvent } from './event-log.js';

function capture() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push({ level, fields, message });
  const logger = { info: at('info'), warn: at('warn'), debug: at('debug') } as unknown as Logger;
  return { logger, lines };
}

const base = { seq: 1, at: 0, process: 'api' };

describe('supervisor events in the daemon log', () => {
  it('says which secrets changed by name, never by value', () => {
    const { logger, lines } = capture();
    logEvent(logger, {
      ...base,
      type: 'instance.secrets',
      instance: 'api-0-abc',
      index: 0,
      source: 'local',
      file: '/srv/data/api.env',
      keys: 3,
      added: ['NEW'],
      removed: [],
      changed: ['DB_PASSWORD'],
    } as SupervisorEvent);
    expect(lines).toEqual([
      {
        level: 'info',
        fields: { process: 'api', instance: 'api-0-abc', file: '/srv/data/api.env' },
        message: 'api-0-abc secrets: 3 from its local .env (added NEW; changed DB_PASSWORD)',
      },
    ]);
  });

  it('writes warnings with their message as the log message', () => {
    const { logger, lines } = capture();
    logEvent(logger, {
      ...base,
      type: 'instance.warning',
      instance: 'api-0-abc',
      index: 0,
      message: 'no .env file at /srv/data/api.env',
    } as SupervisorEvent);
    logEvent(logger, {
      ...base,
      process: '',
      type: 'daemon.warning',
      message: 'cloudflared stopped',
    } as SupervisorEvent);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'no .env file at /srv/data/api.env'],
      ['warn', 'cloudflared stopped'],
    ]);
    expect(lines[0]!.fields).toMatchObject({ process: 'api', instance: 'api-0-abc' });
  });

  it('writes tunnel and certificate news at info level', () => {
    const { logger, lines } = capture();
    logEvent(logger, {
      ...base,
      process: '',
      type: 'tunnel.state',
      state: 'connected',
      url: 'https://a.trycloudflare.com',
      message: 'tunnel URL registered with the auth worker',
    } as SupervisorEvent);
    expect(lines).toEqual([
      {
        level: 'info',
        fields: { state: 'connected', url: 'https://a.trycloudflare.com' },
        message: 'tunnel URL registered with the auth worker',
      },
    ]);
  });
});
