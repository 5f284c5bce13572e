/**
 * GET /api/v1/auth/whoami: who the caller is, for the dashboard's login gate and its role-gated
 * controls. A viewer route: the router checks the credential as for any other route (401 and the
 * failure rate limit when the daemon wants one and none or a wrong one came), and the handler
 * reports the principal it found. On a daemon without server.auth a loopback caller is admin
 * without a credential: `authenticated: false, auth_required: false, role: "admin"`.
 */
import { z } from 'zod';
import { route } from '../route.js';

export const whoamiSchema = z.object({
  authenticated: z.boolean().meta({ description: 'The caller presented a valid credential' }),
  auth_required: z
    .boolean()
    .meta({ description: 'This daemon (or the tunnel the request came through) wants one' }),
  role: z.enum(['viewer', 'operator', 'admin']),
  name: z
    .string()
    .nullable()
    .meta({ description: "The API key's name or the JWT's subject; null without a credential" }),
});

export function authRoutes() {
  return [
    route({
      method: 'get',
      path: '/api/v1/auth/whoami',
      summary: "The caller's identity and role, and whether this daemon requires credentials",
      role: 'viewer',
      response: whoamiSchema,
      handler: ({ principal, authenticated }): z.infer<typeof whoamiSchema> => ({
        authenticated,
        // The route needs a viewer: a caller got here with a credential exactly when one is required.
        auth_required: authenticated,
        role: principal.role,
        name: authenticated ? principal.name : null,
      }),
    }),
  ];
}
