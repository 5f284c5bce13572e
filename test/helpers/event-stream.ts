import { onTestFinished } from 'vitest';

export interface StreamedEvent {
  type: string;
  data: unknown;
}

/**
 * Opens the server-sent events of `url` and collects them until the test ends; resolves once the
 * daemon answered (it subscribes before answering, so nothing published after is missed).
 */
export async function eventStream(url: string): Promise<StreamedEvent[]> {
  const events: StreamedEvent[] = [];
  const controller = new AbortController();
  onTestFinished(() => controller.abort());
  const response = await fetch(url, { signal: controller.signal });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body!) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const type = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (type && data) events.push({ type, data: JSON.parse(data) });
      }
    }
  })().catch(() => undefined);
  return events;
}
