/** Writes supervisor events to the daemon's own log, at a level that fits each. */
import type { SupervisorEvent } from '../core/index.js';
import type { Logger } from '../shared/index.js';

export function logEvent(logger: Logger, event: SupervisorEvent): void {
  const { seq: _seq, at: _at, type, ...fields } = event;
  switch (event.type) {
    case 'instance.state': {
      const level =
        event.to === 'backoff' || event.to === 'failed' || event.to === 'unhealthy'
          ? 'warn'
          : 'info';
      const {
        stderrTail,
        from: _from,
        to: _to,
        index: _index,
        instance: _instance,
        ...rest
      } = fields as typeof fields & {
        stderrTail?: string[];
        from: string;
        to: string;
        index: number;
        instance: string;
      };
      logger[level](
        {
          ...rest,
          ...(stderrTail && stderrTail.length > 0 ? { stderr: stderrTail.slice(-5) } : {}),
        },
        `${event.instance} ${event.from} -> ${event.to}`,
      );
      return;
    }
    case 'instance.health':
      if (!event.ok)
        logger.debug(
          fields,
          `${event.instance} health check failed (${event.consecutiveFailures})`,
        );
      return;
    case 'instance.error':
    case 'hook.failed':
    case 'instance.warning':
    case 'process.warning':
    case 'daemon.warning':
      logger.warn(fields, type);
      return;
    default:
      logger.info(fields, type);
  }
}
