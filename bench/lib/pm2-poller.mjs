/**
 * S3's load on PM2, run as its own process (so that its CPU is not counted as the God Daemon's):
 * connects to the God Daemon of $PM2_HOME through PM2's programmatic API and calls pm2.list()
 * once a second. Each call makes the daemon sample every process with pidusage, PM2's
 * equivalent of gowinproc's 1 Hz sampling tick.
 *
 * argv[2]: the pm2 package directory. stdout: "poll ok <ms> <processes>" or
 * "poll error <message>" per call ("poll skip" when the previous call is still out), after
 * "poll connected". SIGTERM: stop polling, disconnect, exit 0.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const pm2 = require(process.argv[2]);
const INTERVAL_MS = 1000;

const say = (line) => process.stdout.write(`poll ${line}\n`);

let timer = null;
let busy = false;

function poll() {
  if (busy) return say('skip');
  busy = true;
  const started = performance.now();
  pm2.list((error, list) => {
    busy = false;
    if (error) say(`error ${String(error.message ?? error).split('\n')[0]}`);
    else say(`ok ${(performance.now() - started).toFixed(1)} ${list.length}`);
  });
}

process.on('SIGTERM', () => {
  if (timer) clearInterval(timer);
  // Exit even when the daemon is gone and disconnect never calls back.
  setTimeout(() => process.exit(0), 2000).unref();
  pm2.disconnect(() => process.exit(0));
});

// false: daemon mode, i.e. the God Daemon of $PM2_HOME, which the bench has started already.
pm2.connect(false, (error) => {
  if (error) {
    say(`error connect: ${error.message}`);
    process.exit(1);
  }
  say('connected');
  poll();
  timer = setInterval(poll, INTERVAL_MS);
});
