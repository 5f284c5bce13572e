/**
 * Installs a Debian package for a peer the bench compares against (supervisord, nginx) when it is
 * absent: apt-get as root, once more after `apt-get update` if the first try fails. Resolves null,
 * or the reason it could not.
 */
import { run, which } from './exec.mjs';
import { progress } from './log.mjs';

export async function aptInstall(pkg, { what = pkg, noRecommends = false } = {}) {
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return `${what} is not installed and apt-get needs root`;
  if (!(await which('apt-get'))) return `${what} is not installed and there is no apt-get`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = [
    'apt-get',
    'install',
    '-y',
    ...(noRecommends ? ['--no-install-recommends'] : []),
    pkg,
  ];
  progress(`${what} not found: running ${install.join(' ')}`);
  const attempt = () =>
    run(install, { env, timeoutMs: 600_000 }).catch((e) => ({ code: -1, stderr: e.message }));
  let result = await attempt();
  if (result.code !== 0) {
    progress('apt-get install failed; running apt-get update, then trying again');
    await run(['apt-get', 'update'], { env, timeoutMs: 600_000 }).catch(() => null);
    result = await attempt();
  }
  if (result.code !== 0)
    return `apt-get install ${pkg} failed: ${String(result.stderr).trim().split('\n').pop()}`;
  progress(`apt-get installed ${pkg}`);
  return null;
}
