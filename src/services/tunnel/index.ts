/** The cloudflared quick tunnel: finding the binary, running it, and registering its URL. */
export {
  findCloudflared,
  cloudflaredCandidates,
  isExecutableFile,
  type FindCloudflaredOptions,
  type IsExecutable,
} from './find-cloudflared.js';
export {
  parseTunnelUrl,
  tunnelArgs,
  type TunnelOrigin,
  type TunnelProtocol,
} from './tunnel-url.js';
export {
  signalCloudflared,
  spawnCloudflared,
  type SpawnTunnel,
  type TunnelChild,
  type TunnelExit,
} from './spawn-cloudflared.js';
export {
  DEFAULT_TUNNEL_BACKOFF,
  STABLE_RUN_MS,
  registrationRetryDelay,
  tunnelRestartDelay,
  type TunnelBackoff,
} from './tunnel-backoff.js';
export type { TunnelEvent, TunnelState, TunnelStatus } from './tunnel-status.js';
export {
  TunnelRunner,
  RECENT_OUTPUT_LINES,
  type RegisterTunnel,
  type TunnelRunnerOptions,
} from './tunnel-runner.js';
export { tunnelHook } from './tunnel.hook.js';
export {
  forgetTunnelProcess,
  recordTunnelProcess,
  stopLeftoverTunnel,
  type IdentifyProcess,
} from './leftover-tunnel.js';
