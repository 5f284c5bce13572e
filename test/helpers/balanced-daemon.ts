/**
 * The built daemon with load balancers on any free port (`listen_port: 0`): starts it on a config
 * given as YAML and tells where each balancer listens (from GET /api/v1/balancers).
 */
import { startDaemon, writeConfig, type DaemonProcess } from './daemon.js';
import { tempDir } from './temp-dir.js';

export async function startBalancedDaemon(
  yaml: string,
): Promise<{ daemon: DaemonProcess; target(balancer: string): Promise<string> }> {
  const dir = tempDir();
  const daemon = await startDaemon(dir, writeConfig(dir, yaml));
  return {
    daemon,
    async target(balancer) {
      const { status, json } = await daemon.api<{ port: number }>(
        'GET',
        `/api/v1/balancers/${balancer}`,
      );
      if (status !== 200) throw new Error(`balancer ${balancer}: HTTP ${status}`);
      return `127.0.0.1:${json.port}`;
    },
  };
}
