/** A health probe whose answer per port the test decides (default: healthy). */
import type { Probe, ProbeResult } from '../../src/core/index.js';

export class FakeProbe {
  private readonly answers = new Map<number, boolean>();
  defaultAnswer = true;
  readonly calls: number[] = [];

  set(port: number, ok: boolean): void {
    this.answers.set(port, ok);
  }

  readonly probe: Probe = (_check, port): Promise<ProbeResult> => {
    this.calls.push(port);
    const ok = this.answers.get(port) ?? this.defaultAnswer;
    return Promise.resolve({ ok, detail: ok ? `port ${port} ok` : `port ${port} refused` });
  };
}
