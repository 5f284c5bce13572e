/**
 * One worker thread of runLoad({ workers: n }): connects its share of the channels, says
 * "ready", sends from the start time the main thread gives, and posts its raw counts back with
 * the histograms encoded. "stop" ends its window early.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createShard, encodeRaw } from './load-generator.mjs';

try {
  const shard = await createShard(workerData);
  parentPort.on('message', (message) => {
    if (message.type === 'stop') shard.stop(message.at);
    else if (message.type === 'start')
      shard.run(message.startAt).then(
        (raw) => {
          shard.close();
          parentPort.postMessage({ type: 'result', raw: encodeRaw(raw) });
        },
        (error) => {
          shard.close();
          parentPort.postMessage({ type: 'error', message: error.message });
        },
      );
  });
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'error', message: error.message });
}
