/**
 * The overview (/): the host's figures and a live chart, the daemon's status, alerts for failed
 * or degraded processes, and every process with its state. Live: the event stream refreshes
 * ['processes'] (and the status under it) on each change and feeds the metrics frames.
 */
import { DaemonActions } from '../../components/daemon-actions';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { get, seg } from '../../api/client';
import type { DaemonStatus, HostMetrics, ProcessDetail, ProcessList } from '../../api/types';
import { Chart } from '../../components/chart';
import {
  Empty,
  ErrorState,
  Loading,
  StateBadge,
  formatBytes,
  formatDuration,
  formatPercent,
} from '../../components/ui';
import { useLive, useLiveEvents } from '../../live/use-live';
import { Link } from '../../router';
import { alertsFor, hostSeries, totalsFor } from './overview-model';
import './overview.css';

export function OverviewScreen() {
  return (
    <section aria-labelledby="overview-title" className="overview">
      <h1 id="overview-title">Overview</h1>
      <div className="overview-top">
        <HostPanel />
        <DaemonPanel />
      </div>
      <ProcessesPanel />
    </section>
  );
}

const formatShare = (v: number) => formatPercent(v);
const rate = (bytes: number | null) => (bytes === null ? '–' : `${formatBytes(bytes)}/s`);

function HostPanel() {
  const live = useLiveEvents();
  const { frame } = useLive();
  // Before the first frame arrives (up to one metrics interval), the latest stored sample.
  const stored = useQuery({
    queryKey: ['host-metrics'],
    queryFn: () => get<{ current: HostMetrics | null }>('/api/v1/metrics/host?from=-1m'),
    enabled: frame === undefined,
  });
  const host = frame?.host ?? stored.data?.current ?? undefined;
  const series = useMemo(() => hostSeries(live.frames), [live, frame]);
  return (
    <section className="panel host" aria-labelledby="host-title">
      <h2 id="host-title">Host</h2>
      {host ? (
        <dl className="tiles">
          <div>
            <dt>CPU</dt>
            <dd aria-label="Host CPU">{formatPercent(host.cpu_percent)}</dd>
            <dd className="muted">
              {host.cores} cores{host.load1 !== null ? ` · load ${host.load1.toFixed(2)}` : ''}
            </dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd aria-label="Host memory">
              {formatBytes(host.memory_used)} / {formatBytes(host.memory_total)}
            </dd>
            <dd className="muted">{formatBytes(host.memory_available)} available</dd>
          </div>
          <div>
            <dt>Disk</dt>
            <dd aria-label="Host disk">
              {host.disk_total === null
                ? '–'
                : `${formatBytes(host.disk_used)} / ${formatBytes(host.disk_total)}`}
            </dd>
            <dd className="muted">
              read {rate(host.disk_read)} · write {rate(host.disk_write)}
            </dd>
          </div>
          <div>
            <dt>Network</dt>
            <dd aria-label="Host network">
              ↓ {rate(host.network_recv)} · ↑ {rate(host.network_sent)}
            </dd>
          </div>
        </dl>
      ) : stored.error ? (
        <ErrorState error={stored.error} retry={() => void stored.refetch()} />
      ) : (
        <Empty title="No host sample yet">
          The first one comes with the next metrics tick (metrics.interval in the config).
        </Empty>
      )}
      <Chart
        name="host-live"
        title="Host CPU and memory (%), live"
        data={series}
        format={formatShare}
        height={140}
      />
    </section>
  );
}

function DaemonPanel() {
  // Under ['processes'] so that every supervisor event refreshes the counts too.
  const status = useQuery({
    queryKey: ['processes', 'daemon-status'],
    queryFn: () => get<DaemonStatus>('/api/v1/status'),
  });
  return (
    <section className="panel daemon" aria-labelledby="daemon-title">
      <h2 id="daemon-title">Daemon</h2>
      {status.isPending ? (
        <Loading what="the daemon status" />
      ) : status.error ? (
        <ErrorState error={status.error} retry={() => void status.refetch()} />
      ) : (
        <dl className="tiles">
          <div>
            <dt>Status</dt>
            <dd>
              <StateBadge state={status.data.status === 'running' ? 'healthy' : 'stopping'} />{' '}
              <span aria-label="Daemon status">{status.data.status.replace('_', ' ')}</span>
            </dd>
          </div>
          <div>
            <dt>Version</dt>
            <dd>{status.data.version}</dd>
          </div>
          <div>
            <dt>Uptime</dt>
            <dd>{formatDuration(status.data.uptime)}</dd>
          </div>
          <div>
            <dt>Instances</dt>
            <dd aria-label="Ready instances">
              {status.data.ready_instances} ready / {status.data.running_instances} running /{' '}
              {status.data.total_instances}
            </dd>
            <dd className="muted">
              {status.data.processes} processes · pid {status.data.pid}
            </dd>
          </div>
        </dl>
      )}
      <DaemonActions />
    </section>
  );
}

function ProcessesPanel() {
  const { frame } = useLive();
  const list = useQuery({
    queryKey: ['processes'],
    queryFn: () => get<ProcessList>('/api/v1/processes'),
  });
  const items = list.data?.items ?? [];
  const troubled = items.filter((p) => p.status === 'failed' || p.status === 'degraded');
  // Only failing processes are fetched in detail (for their reasons); same key as their screen.
  const details = useQueries({
    queries: troubled.map((p) => ({
      queryKey: ['process', p.name],
      queryFn: () => get<ProcessDetail>(`/api/v1/processes/${seg(p.name)}`),
    })),
  });
  const byName = new Map<string, ProcessDetail>();
  for (const d of details) if (d.data) byName.set(d.data.name, d.data);
  const alerts = alertsFor(items, byName);

  if (list.isPending) return <Loading what="the processes" />;
  if (list.error) return <ErrorState error={list.error} retry={() => void list.refetch()} />;
  return (
    <>
      {alerts.length > 0 ? (
        <section className="panel alerts" aria-labelledby="alerts-title">
          <h2 id="alerts-title">Alerts</h2>
          <ul>
            {alerts.map((alert) => (
              <li key={alert.process} data-process={alert.process} data-status={alert.status}>
                <StateBadge state={alert.status} />{' '}
                <Link to={`/processes/${seg(alert.process)}`}>{alert.process}</Link>
                {' is '}
                {alert.status}
                {alert.reason ? `: ${alert.reason}` : ''}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="panel" aria-labelledby="processes-title">
        <h2 id="processes-title">Processes</h2>
        {items.length === 0 ? (
          <Empty title="No processes configured">
            Add one under <code>processes:</code> in the config file, then run{' '}
            <code>gowinproc reload</code>.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table aria-label="Processes">
              <thead>
                <tr>
                  <th scope="col">Process</th>
                  <th scope="col">State</th>
                  <th scope="col">Ready</th>
                  <th scope="col">Restarts</th>
                  <th scope="col">Version</th>
                  <th scope="col">Port</th>
                  <th scope="col">CPU</th>
                  <th scope="col">Memory</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => {
                  const totals = totalsFor(frame, p.name);
                  return (
                    <tr key={p.name} data-process={p.name}>
                      <th scope="row">
                        <Link to={`/processes/${seg(p.name)}`}>{p.name}</Link>
                        {p.operation ? <span className="muted"> · {p.operation}</span> : null}
                      </th>
                      <td>
                        <StateBadge state={p.status} />
                      </td>
                      <td
                        className="num"
                        title={`${p.instance_count} instances, min ${p.min_instances}, max ${p.max_instances}`}
                      >
                        {p.ready_count} / {p.desired}
                      </td>
                      <td className="num">{p.restarts}</td>
                      <td>{p.version ?? '–'}</td>
                      <td className="num">{p.port ?? '–'}</td>
                      <td className="num">{formatPercent(totals?.cpu)}</td>
                      <td className="num">{totals ? formatBytes(totals.memory) : '–'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
