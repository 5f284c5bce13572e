import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errnoCode } from '../../../shared/index.js';

/**
 * One GET to GitHub's API over node:http(s) (the daemon avoids fetch for its memory cost). It
 * never throws for an HTTP status: the caller maps statuses; it rejects only when no answer came
 * (network error, idle timeout, an oversized body), with a message free of headers and tokens.
 */
export interface GithubResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export class GithubTransportError extends Error {
  override readonly name = 'GithubTransportError';
}

/** Largest JSON body accepted: a page of 100 releases with many assets stays far below. */
export const GITHUB_MAX_BODY_BYTES = 16 * 1024 * 1024;

export function githubGet(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<GithubResponse> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  // Origin and path only: the query is harmless here, but keep messages short and uniform.
  const target = `GET ${url.origin}${url.pathname}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      reject(new GithubTransportError(message, cause === undefined ? undefined : { cause }));
      req.destroy();
    };
    // `timeout` is node's socket inactivity timer: no byte for timeoutMs fails the call.
    const req = send(url, { method: 'GET', headers, timeout: timeoutMs, agent: false });
    req.on('timeout', () => fail(`${target} timed out after ${timeoutMs} ms without an answer`));
    req.on('error', (error) =>
      fail(`${target}: ${errnoCode(error) ?? (error as Error).message}`, error),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > GITHUB_MAX_BODY_BYTES) {
          fail(`${target}: answer exceeds ${GITHUB_MAX_BODY_BYTES} bytes`);
        } else chunks.push(chunk);
      });
      res.on('error', (error) => fail(`${target}: ${(error as Error).message}`, error));
      res.on('aborted', () => fail(`${target}: connection closed mid-answer`));
      res.on('end', () => {
        if (settled || res.readableAborted) return;
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.end();
  });
}
