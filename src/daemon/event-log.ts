/** Writes supervisor events to the daemon's own log, at a level that fits each. */
import type { SupervisorEvent } from '../core/index.js';
import type { Logger } from '../shared/index.js';

export function logEvent(logger: Logger, event: SupervisorEvent): void {
  const { seq: _seq, at: _at, type, ...withProcess } = event;
  // The daemon's own events have process '': such a line carries no process field.
  const { process, ...rest } = withProcess;
  const fields = process === '' ? rest : withProcess;
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
      logger.warn(fields, type);
      return;
    case 'instance.warning':
    case 'instance.memory_limit':
    case 'process.warning':
    case 'daemon.warning': {
      const { message, ...where } = fields as typeof fields & { message: string };
      logger.warn(where, message);
      return;
    }
    case 'balancer.backend': {
      const { message, ...rest } = fields as typeof fields & { message: string };
      // An ejection, or a drain that gave up with calls still in flight, needs a look.
      const trouble =
        event.change === 'ejected' || (event.change === 'drained' && /timed out/.test(message));
      logger[trouble ? 'warn' : 'info'](rest, message);
      return;
    }
    case 'tunnel.state':
    case 'process.certificate': {
      const { message, ...rest } = fields as typeof fields & { message: string };
      logger.info(rest, message);
      return;
    }
    case 'process.autoscale': {
      // Holds are recorded for the API; the log gets the actions.
      if (event.action === 'none') return;
      logger[event.error === undefined ? 'info' : 'warn'](
        { process: event.process, from: event.from, to: event.to },
        `autoscale ${event.process}: ${event.reason}`,
      );
      return;
    }
    case 'process.update': {
      // Each phase change is a line; a failure or a rollback is a warning.
      const trouble = event.phase === 'failed' || event.phase === 'rolled_back';
      logger[trouble ? 'warn' : 'info'](
        { process: event.process, update: event.updateId, phase: event.phase, to: event.to },
        `${event.kind} ${event.process} → ${event.to}: ${event.message}`,
      );
      return;
    }
    case 'process.update_check': {
      logger[event.outcome === 'error' ? 'warn' : 'info'](
        { process: event.process, outcome: event.outcome, latest: event.latest },
        `update check ${event.process}: ${event.message}`,
      );
      return;
    }
    case 'instance.secrets': {
      const changes = [
        event.added.length ? `added ${event.added.join(', ')}` : '',
        event.removed.length ? `removed ${event.removed.join(', ')}` : '',
        event.changed.length ? `changed ${event.changed.join(', ')}` : '',
      ].filter(Boolean);
      logger.info(
        { process: event.process, instance: event.instance, file: event.file },
        `${event.instance} secrets: ${event.keys} from its ${event.source === 'cloudflare' ? 'Cloudflare' : 'local'} .env${changes.length ? ` (${changes.join('; ')})` : ''}`,
      );
      return;
    }
    default:
      logger.info(fields, type);
  }
}
