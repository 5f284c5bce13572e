/** The instances table: state, figures (live when a metrics frame has them) and why a failed one failed. */
import { Fragment } from 'react';
import type { Instance, MetricsFrame } from '../../api/types';
import {
  StateBadge,
  formatBytes,
  formatDuration,
  formatPercent,
  formatTime,
} from '../../components/ui';
import { InstanceActions } from './actions';
import { latestMetrics } from './series';

const TROUBLED = new Set(['backoff', 'failed']);

export function InstancesTable({
  process,
  instances,
  frame,
  canAct,
}: {
  process: string;
  instances: Instance[];
  frame: MetricsFrame | undefined;
  canAct: boolean;
}) {
  if (instances.length === 0) return null;
  const columns = canAct ? 10 : 9;
  return (
    <div className="table-wrap">
      <table aria-label={`Instances of ${process}`}>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">State</th>
            <th scope="col">PID</th>
            <th scope="col">Port</th>
            <th scope="col">Uptime</th>
            <th scope="col">CPU</th>
            <th scope="col">Memory</th>
            <th scope="col">Version</th>
            <th scope="col">Restarts</th>
            {canAct ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {instances.map((instance) => {
            const metrics = latestMetrics(frame, instance.id, instance.metrics);
            // The live frame's uptime is fresher than the detail's; the detail's own sample is older.
            const uptime =
              frame?.instances.find((m) => m.instance_id === instance.id)?.uptime ??
              instance.uptime_seconds;
            const running = instance.pid !== null;
            return (
              <Fragment key={instance.id}>
                <tr data-instance={instance.id} data-index={instance.index}>
                  <th scope="row">
                    #{instance.index} <span className="muted mono">{instance.id}</span>
                  </th>
                  <td>
                    <StateBadge state={instance.status} />
                  </td>
                  <td className="num">{instance.pid ?? '–'}</td>
                  <td className="num">{instance.port ?? '–'}</td>
                  <td className="num">{formatDuration(running ? uptime : null)}</td>
                  <td className="num">{running ? formatPercent(metrics?.cpu_usage) : '–'}</td>
                  <td className="num">{running ? formatBytes(metrics?.memory_usage) : '–'}</td>
                  <td>{instance.version ?? '–'}</td>
                  <td className="num">{instance.restarts}</td>
                  {canAct ? (
                    <td>
                      <InstanceActions process={process} instance={instance} />
                    </td>
                  ) : null}
                </tr>
                {TROUBLED.has(instance.status) ||
                (instance.reason && instance.status !== 'healthy') ? (
                  <tr className="instance-trouble">
                    <td colSpan={columns}>
                      <InstanceTrouble instance={instance} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function InstanceTrouble({ instance }: { instance: Instance }) {
  const exit = instance.last_exit;
  return (
    <div className="trouble" aria-label={`Why #${instance.index} is ${instance.status}`}>
      {instance.reason ? <p>{instance.reason}</p> : null}
      <p className="muted">
        {exit
          ? `Last exit: ${exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal ?? 'unknown'}`}. `
          : ''}
        {instance.next_attempt_at
          ? `Next attempt at ${formatTime(instance.next_attempt_at)}${instance.attempt ? ` (run ${instance.attempt})` : ''}.`
          : ''}
        {instance.status === 'failed'
          ? 'Gave up restarting: fix the cause, then start it again.'
          : ''}
      </p>
      {instance.stderr_tail && instance.stderr_tail.length > 0 ? (
        <pre aria-label={`Last stderr lines of #${instance.index}`}>
          {instance.stderr_tail.join('\n')}
        </pre>
      ) : null}
    </div>
  );
}
