/**
 * Server-sent events over fetch (EventSource cannot send the Authorization header): calls
 * `onEvent` for each `event:`/`data:` frame until `signal` aborts or the stream ends.
 */
import { ApiError, authHeaders } from './client';

export interface StreamEvent {
  event: string;
  data: string;
}

export async function readEventStream(
  path: string,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(path, {
    headers: { accept: 'text/event-stream', ...authHeaders() },
    signal,
  });
  if (!response.ok || !response.body) {
    let code = `http_${response.status}`;
    let message = response.statusText;
    try {
      const json = (await response.json()) as { error?: string; code?: string };
      code = json.code ?? code;
      message = json.error ?? message;
    } catch {
      // not JSON
    }
    throw new ApiError(response.status, code, message);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent({ event, data: data.join('\n') });
    }
  }
}
