/**
 * Load balancers (/balancers): each balancer's listener, routes (strategy, calls, errors,
 * latency) and backends (state, in flight, calls); the figures follow the `balancers` frame of
 * the event stream, the REST answer only fills the first paint. Below, the autoscaler: per
 * process with scaling enabled, its policy, instance counts and recent decisions with reasons.
 */
import { skipToken, useQueries, useQuery } from '@tanstack/react-query';
import { get, seg } from '../../api/client';
import type { ProcessList } from '../../api/types';
import {
  Empty,
  ErrorState,
  Loading,
  StateBadge,
  formatBytes,
  formatTime,
} from '../../components/ui';
import type {
  Autoscale,
  Balancer,
  BalancerList,
  BalancersFrame,
  CallStats,
  ScaleDecision,
} from './types';
import { Link } from '../../router';
import './balancers.css';

/** The newest figures: the live frame once one arrived, else the REST answer. */
export function currentBalancers(
  list: BalancerList | undefined,
  live: BalancersFrame | undefined,
): Balancer[] | undefined {
  return live?.balancers ?? list?.balancers;
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "12 (2 %)" — errors with their share of the finished calls. */
export function errorsText(stats: CallStats): string {
  const finished = stats.requests - stats.inFlight;
  if (stats.errors === 0 || finished <= 0) return String(stats.errors);
  return `${stats.errors} (${((stats.errors / finished) * 100).toFixed(1)} %)`;
}

const latencyText = (stats: CallStats) =>
  stats.latency.count === 0
    ? '–'
    : `${formatMs(stats.latency.p50Ms)} / ${formatMs(stats.latency.p99Ms)}`;

export function targetsText(targets: NonNullable<Autoscale['policy']>['targets']): string {
  const parts: string[] = [];
  if (targets.cpuPercent !== undefined) parts.push(`CPU ${targets.cpuPercent} %`);
  if (targets.memoryBytes !== undefined) parts.push(`memory ${formatBytes(targets.memoryBytes)}`);
  if (targets.rpsPerInstance !== undefined) parts.push(`${targets.rpsPerInstance} req/s`);
  if (targets.inFlightPerInstance !== undefined)
    parts.push(`${targets.inFlightPerInstance} in flight`);
  return parts.length ? `${parts.join(', ')} per instance` : 'no target';
}

export function signalText(signal: ScaleDecision['signals'][number]): string {
  const value = (n: number) =>
    signal.signal === 'memory'
      ? formatBytes(n)
      : signal.signal === 'cpu'
        ? `${n.toFixed(1)} %`
        : n.toFixed(1);
  return `${signal.signal} ${value(signal.observed)} / ${value(signal.target)} → ${signal.desired}`;
}

export function BalancersScreen() {
  const list = useQuery({
    queryKey: ['balancers', 'list'],
    queryFn: () => get<BalancerList>('/api/v1/balancers'),
  });
  // Filled by the live event stream (setQueryData), never fetched.
  const live = useQuery<BalancersFrame>({ queryKey: ['balancers', 'live'], queryFn: skipToken });
  const balancers = currentBalancers(list.data, live.data);
  return (
    <section aria-labelledby="balancers-title" className="balancers">
      <h1 id="balancers-title">Load balancers</h1>
      {balancers === undefined ? (
        list.isError ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : (
          <Loading what="the load balancers" />
        )
      ) : balancers.length === 0 ? (
        <Empty title="No load balancer is configured">
          Add a <code>load_balancers</code> entry (a listen port and routes to processes) to the
          config and reload; see docs/load-balancing.md.
        </Empty>
      ) : (
        <>
          {live.data ? (
            <p className="muted">Live figures of {formatTime(live.data.time)}.</p>
          ) : null}
          {balancers.map((b) => (
            <BalancerPanel key={b.name} balancer={b} />
          ))}
        </>
      )}
      <Autoscaler />
    </section>
  );
}

function BalancerPanel({ balancer: b }: { balancer: Balancer }) {
  return (
    <section className="panel balancer" aria-label={`Balancer ${b.name}`}>
      <h2>{b.name}</h2>
      <p>
        Listens on <code>{b.address}</code> (port {b.port}, {b.tls ? 'TLS' : 'h2c'}) ·{' '}
        {b.rps.toFixed(1)} req/s · {b.unmatched} unmatched
      </p>
      <div className="table-wrap">
        <table aria-label={`Routes of ${b.name}`}>
          <thead>
            <tr>
              <th>Methods</th>
              <th>Processes</th>
              <th>Strategy</th>
              <th>Requests</th>
              <th>In flight</th>
              <th>Errors</th>
              <th>p50 / p99</th>
            </tr>
          </thead>
          <tbody>
            {b.routes.map((r) => (
              <tr key={r.index}>
                <td>
                  <code>{r.methods.join(', ')}</code>
                </td>
                <td>{r.target_processes.join(', ')}</td>
                <td>{r.strategy}</td>
                <td>{r.stats.requests}</td>
                <td>{r.stats.inFlight}</td>
                <td>{errorsText(r.stats)}</td>
                <td>{latencyText(r.stats)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {b.backends.length === 0 ? (
        <Empty title="No backend">
          No instance of the routed processes is running; start one on its process page.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table aria-label={`Backends of ${b.name}`}>
            <thead>
              <tr>
                <th>Instance</th>
                <th>Address</th>
                <th>State</th>
                <th>In flight</th>
                <th>Requests</th>
                <th>Errors</th>
                <th>p50 / p99</th>
              </tr>
            </thead>
            <tbody>
              {b.backends.map((backend) => (
                <tr key={backend.id}>
                  <td>
                    <Link to={`/processes/${seg(backend.process)}`}>{backend.id}</Link>
                  </td>
                  <td>
                    <code>{backend.address}</code>
                  </td>
                  <td>
                    <StateBadge state={backend.state} />
                    {backend.ejectedUntil ? (
                      <span className="muted"> until {formatTime(backend.ejectedUntil)}</span>
                    ) : null}
                  </td>
                  <td>{backend.stats.inFlight}</td>
                  <td>{backend.stats.requests}</td>
                  <td>{errorsText(backend.stats)}</td>
                  <td>{latencyText(backend.stats)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Autoscaler() {
  const processes = useQuery({
    queryKey: ['processes', 'list'],
    queryFn: () => get<ProcessList>('/api/v1/processes'),
  });
  const names = processes.data?.processes ?? [];
  const scales = useQueries({
    queries: names.map((name) => ({
      queryKey: ['balancers', 'autoscale', name],
      queryFn: () => get<Autoscale>(`/api/v1/processes/${seg(name)}/autoscale`),
    })),
  });
  const pending = processes.isPending || scales.some((q) => q.isPending);
  const failed = processes.error ?? scales.find((q) => q.isError)?.error;
  const enabled = scales.flatMap((q) => (q.data?.enabled ? [q.data] : []));
  return (
    <section aria-labelledby="autoscaler-title" className="autoscaler">
      <h2 id="autoscaler-title">Autoscaler</h2>
      {failed ? (
        <ErrorState error={failed} retry={() => void processes.refetch()} />
      ) : pending ? (
        <Loading what="the autoscaler" />
      ) : enabled.length === 0 ? (
        <Empty title="No process scales automatically">
          Set <code>processes[].scaling.enabled: true</code> with a target (CPU, memory, requests or
          in-flight calls per instance); see docs/autoscaling.md.
        </Empty>
      ) : (
        enabled.map((a) => <AutoscalePanel key={a.process} scale={a} />)
      )}
    </section>
  );
}

function AutoscalePanel({ scale }: { scale: Autoscale }) {
  const newestFirst = [...scale.decisions].reverse();
  return (
    <section className="panel" aria-label={`Autoscaling of ${scale.process}`}>
      <h3>{scale.process}</h3>
      <p>
        {scale.instances.ready} ready of {scale.instances.current} running,{' '}
        {scale.instances.desired} desired
        {scale.policy
          ? ` · ${scale.policy.minInstances}..${scale.policy.maxInstances} instances · target ${targetsText(scale.policy.targets)}`
          : ''}
      </p>
      {newestFirst.length === 0 ? (
        <p className="muted">No decision yet: the autoscaler decides once metrics arrive.</p>
      ) : (
        <div className="table-wrap">
          <table aria-label={`Scaling decisions of ${scale.process}`}>
            <thead>
              <tr>
                <th>Time</th>
                <th>Action</th>
                <th>Instances</th>
                <th>Reason</th>
                <th>Signals</th>
              </tr>
            </thead>
            <tbody>
              {newestFirst.map((d) => (
                <tr key={`${d.at}-${d.action}-${d.to}`}>
                  <td>{formatTime(d.at)}</td>
                  <td>
                    <span className={`scale-action scale-${d.action}`}>
                      {d.action.replace('_', ' ')}
                    </span>
                  </td>
                  <td>
                    {d.from} → {d.to}
                    {d.recommended !== d.to ? (
                      <span className="muted"> (recommended {d.recommended})</span>
                    ) : null}
                  </td>
                  <td>
                    {d.reason}
                    {d.held ? (
                      <span className="muted"> (held: {d.held.replace('_', ' ')})</span>
                    ) : null}
                    {d.error ? <div className="bad">{d.error}</div> : null}
                  </td>
                  <td>{d.signals.map(signalText).join('; ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
