/**
 * S1 - restart after a crash. The crasher fixture appends "exec <ms> <pid>" when it starts,
 * listens on PORT, and after LIFE seconds closes the listener, appends "crash <ms> <pid>" and
 * exits with code 1. For each crash we take:
 *   exec gap:       crash line -> the next exec line (both stamped by the fixture itself);
 *   crash -> accepting: crash line -> the port accepts a TCP connection again, probed by the
 *                   bench every 5 ms from the moment it sees the crash line (file read every 5 ms).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { progress, sleep } from '../lib/log.mjs';
import { tcpProbe } from '../lib/net.mjs';
import { summarize } from '../lib/stats.mjs';

const POLL_MS = 5;
const LIFE_SECONDS = '1.5';

function readEvents(file) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((parts) => parts.length === 3 && (parts[0] === 'exec' || parts[0] === 'crash'))
    .map(([kind, at, pid]) => ({ kind, at: Number(at), pid: Number(pid) }));
}

/** Polls until the port accepts; resolves with Date.now() then (wall clock, like the fixture). */
async function waitAccepting(port, deadline) {
  for (;;) {
    if (await tcpProbe(port, 100)) return Date.now();
    if (Date.now() > deadline) return null;
    await sleep(POLL_MS);
  }
}

export async function runS1(manager, ctx) {
  const crashes = ctx.options.crashes;
  const dir = join(ctx.runDir, 's1', manager.id);
  const events = join(dir, 'events.log');
  const [port] = await ctx.ports.take(1);
  const spec = {
    name: 's1crasher',
    argv: ['/usr/bin/perl', join(ctx.fixtures, 'crasher.pl'), events, LIFE_SECONDS, ctx.marker],
    count: 1,
    ports: [port],
    health: 'tcp',
    crashLoop: true,
    marker: ctx.marker,
  };
  progress(
    `S1 ${manager.label}: ${crashes} crashes of a ${LIFE_SECONDS} s crasher on port ${port}`,
  );
  const session = await manager.launch(spec, dir, ctx);
  const execGaps = [];
  const acceptGaps = [];
  try {
    const perCrashTimeout = 30_000;
    let seenCrashes = 0;
    let lastProgress = Date.now();
    while (seenCrashes < crashes) {
      const list = readEvents(events);
      const crashList = list.filter((e) => e.kind === 'crash');
      if (crashList.length > seenCrashes) {
        const crash = crashList[seenCrashes];
        const upAt = await waitAccepting(port, crash.at + perCrashTimeout);
        if (upAt === null)
          throw new Error(
            `port ${port} did not accept within ${perCrashTimeout} ms of crash ${seenCrashes + 1}`,
          );
        acceptGaps.push(upAt - crash.at);
        seenCrashes++;
        if (Date.now() - lastProgress > 10_000 || seenCrashes === crashes) {
          progress(`S1 ${manager.label}: ${seenCrashes}/${crashes} crashes`);
          lastProgress = Date.now();
        }
        continue;
      }
      const lastEvent = list[list.length - 1];
      if (lastEvent && Date.now() - lastEvent.at > perCrashTimeout + 2000)
        throw new Error(
          `nothing happened for ${perCrashTimeout} ms after "${lastEvent.kind}" (crash ${seenCrashes + 1})`,
        );
      if (!lastEvent && Date.now() - lastProgress > perCrashTimeout)
        throw new Error(`the crasher never started (no exec line in ${events})`);
      await sleep(POLL_MS);
    }
    // The exec gaps: each crash paired with the first exec stamped after it.
    const list = readEvents(events);
    for (let i = 0; i < list.length; i++) {
      if (list[i].kind !== 'crash') continue;
      const next = list.slice(i + 1).find((e) => e.kind === 'exec');
      if (next) execGaps.push(next.at - list[i].at);
      if (execGaps.length === crashes) break;
    }
  } finally {
    await session.shutdown();
  }
  return {
    crashes,
    execGap: { ...summarize(execGaps), samples: execGaps },
    acceptGap: { ...summarize(acceptGaps), samples: acceptGaps },
  };
}
