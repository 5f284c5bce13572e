import type { ProcessConfig } from '../../config/index.js';
import type { StopRequest } from '../driver/index.js';

/** How an instance of this process is stopped (the `stop` section, plus its port for Windows). */
export function stopRequestFor(process: ProcessConfig, port: number | undefined): StopRequest {
  return {
    signal: process.stop.signal,
    timeoutMs: process.stop.timeout,
    httpEndpoint: process.stop.http_endpoint,
    port,
  };
}
