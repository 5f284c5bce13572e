/**
 * The two interceptors every RPC passes, on the native port and on the HTTP port alike:
 * - errors (outermost): whatever a handler or the auth check throws becomes a ConnectError with the
 *   status from GRPC_CODE; bugs are reported to the daemon log and answered without their text.
 *   Streams are covered too: their errors surface while the messages are read.
 * - auth: the AuthPolicy REST uses, with the role rpc-roles.ts names for the method, and on the
 *   HTTP port the browser guard REST applies (no CSRF, no DNS rebinding).
 */
import { Code, ConnectError, createContextKey, type Interceptor } from '@connectrpc/connect';
import type { AuthPolicy, Principal } from '../auth/index.js';
import { cameThroughTunnel, checkBrowserRequest, type BrowserGuard } from '../rest/router.js';
import { toConnectError } from './grpc-status.js';
import { rpcRequirement } from './rpc-roles.js';

/** What the transport knows about the peer, set by the adapters' `contextValues`. */
export interface PeerInfo {
  remoteAddress?: string | undefined;
}

export const peerKey = createContextKey<PeerInfo>({}, { description: 'gowinproc peer' });

/** The authenticated caller, for handlers that want it. */
export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: 'gowinproc principal',
});

export function errorInterceptor(onInternalError: (error: unknown) => void): Interceptor {
  const translate = (error: unknown): ConnectError => {
    const translated = toConnectError(error);
    if (translated.code === Code.Internal && !(error instanceof ConnectError))
      onInternalError(error);
    return translated;
  };
  return (next) => async (request) => {
    let response;
    try {
      response = await next(request);
    } catch (error) {
      throw translate(error);
    }
    if (!response.stream) return response;
    return { ...response, message: translateErrors(response.message, translate) };
  };
}

async function* translateErrors<T>(
  messages: AsyncIterable<T>,
  translate: (error: unknown) => ConnectError,
): AsyncGenerator<T> {
  try {
    yield* messages;
  } catch (error) {
    throw translate(error);
  }
}

export interface AuthInterceptorOptions {
  auth: AuthPolicy;
  /** On the HTTP port: the browser guard REST applies (origins, loopback Host names). */
  browser?: BrowserGuard | undefined;
}

export function authInterceptor(options: AuthInterceptorOptions): Interceptor {
  return (next) => async (request) => {
    const headers = headerRecord(request.header);
    if (options.browser) checkBrowserRequest(headers, options.browser);
    // `await` works whether authorize answers at once or after verifying a JWT.
    const principal = await options.auth.authorize(
      {
        authorization: headers['authorization'],
        apiKey: headers['x-api-key'],
        viaTunnel: cameThroughTunnel(headers),
        clientIp: headers['cf-connecting-ip'],
        remoteAddress: request.contextValues.get(peerKey).remoteAddress,
      },
      rpcRequirement(request.method),
    );
    request.contextValues.set(principalKey, principal);
    return next(request);
  };
}

function headerRecord(header: Headers): Record<string, string | undefined> {
  const record: Record<string, string | undefined> = {};
  header.forEach((value, name) => (record[name] = value));
  return record;
}
