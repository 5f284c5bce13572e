import { z } from 'zod';
import type { App } from '../../../app/index.js';
import { route } from '../route.js';

/** A body with nothing in it (or none): the restart takes no options, and refuses unknown ones. */
const noOptions = z.object({}).strict().default({});

export function daemonRoutes(app: App) {
  return [
    route({
      method: 'get',
      path: '/health',
      summary: 'Liveness of the daemon (open without credentials)',
      role: 'public',
      response: z.object({ status: z.literal('healthy') }),
      handler: () => ({ status: 'healthy' }),
    }),
    route({
      method: 'get',
      path: '/api/v1/health',
      summary: 'Daemon health with components',
      role: 'viewer',
      response: z.object({
        status: z.string(),
        version: z.string(),
        uptime: z.number(),
        components: z.record(z.string(), z.unknown()),
      }),
      handler: () => app.daemon.health(),
    }),
    route({
      method: 'get',
      path: '/api/v1/status',
      summary: 'Counts of processes and instances',
      role: 'viewer',
      response: z.object({
        status: z.enum(['running', 'shutting_down']),
        processes: z.number().int(),
        total_instances: z.number().int(),
        running_instances: z.number().int(),
        ready_instances: z.number().int(),
        version: z.string(),
        uptime: z.number(),
        pid: z.number().int(),
      }),
      handler: () => app.daemon.status(),
    }),
    route({
      method: 'get',
      path: '/api/v1/tunnel',
      summary: 'The Cloudflare quick tunnel: state, public URL, registration',
      role: 'viewer',
      response: z.object({
        enabled: z.boolean(),
        state: z.enum(['disabled', 'starting', 'registering', 'connected', 'backoff', 'stopped']),
        url: z.string().nullable(),
        registered: z.boolean(),
        restarts: z.number().int(),
        pid: z.number().int().optional(),
        since: z.number().optional(),
        next_attempt_at: z.number().optional(),
        last_error: z.string().optional(),
      }),
      handler: () => app.tunnel.status(),
    }),
    route({
      method: 'post',
      path: '/api/v1/reload',
      summary: 'Re-read the config file and apply the differences (admin)',
      role: 'admin',
      response: z.object({
        message: z.string(),
        added: z.array(z.string()),
        removed: z.array(z.string()),
        changed: z.array(z.string()),
        restartRequired: z.array(z.string()),
      }),
      handler: () => app.daemon.reload(),
    }),
    route({
      method: 'post',
      path: '/shutdown',
      summary: 'Stop every instance gracefully, then exit (admin)',
      role: 'admin',
      response: z.object({ status: z.literal('shutting down') }),
      handler: () => app.daemon.shutdown(),
    }),
    route({
      method: 'post',
      path: '/api/v1/restart',
      summary:
        'Stop every instance gracefully, then start the daemon again: a replacement process, or an exit with code 75 for the service manager to restart (admin)',
      role: 'admin',
      status: 202,
      body: noOptions,
      response: z.object({
        status: z.literal('restarting'),
        method: z.enum(['respawn', 'service-manager']),
      }),
      handler: () => app.daemon.restart(),
    }),
  ];
}
