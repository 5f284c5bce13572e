import { systemClock } from '../../shared/index.js';
import { driverContract, type Behaviour } from './driver.contract.js';
import { FakeProcessDriver } from './fake-driver.js';
import { DaemonError } from '../../shared/index.js';

driverContract('scripted fake', () => {
  const driver = new FakeProcessDriver(systemClock)
    .define('serve', (p) => p.print('ready'))
    .define('exit-3', (p) => {
      p.print('about to exit with 3', 'stderr');
      p.exit(3);
    })
    .define('ignore-term', (p) => {
      p.ignored.add('SIGTERM');
      p.print('ready');
    })
    .define('print-env', (p) => p.print(`env ${JSON.stringify(p.spec.env)}`))
    .failSpawn(
      'missing-binary',
      new DaemonError('binary_not_found', 'binary_path missing-binary does not exist'),
    );
  return {
    driver,
    spec: (behaviour: Behaviour, env = {}) => ({
      command: behaviour,
      args: [],
      cwd: '/',
      env,
      stop: { signal: 'SIGTERM', timeoutMs: 1000 },
    }),
  };
});
