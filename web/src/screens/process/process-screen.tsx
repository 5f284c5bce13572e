/**
 * One process (/processes/:name): its summary and actions, the instances, CPU and memory charts,
 * the logs and the events. Live: the event stream refreshes ['process', name] on each change.
 */
import { useQuery } from '@tanstack/react-query';
import { get, seg } from '../../api/client';
import type { ProcessDetail } from '../../api/types';
import { useAuth } from '../../auth';
import { Empty, ErrorState, Loading, StateBadge } from '../../components/ui';
import { useLive } from '../../live/use-live';
import type { Route } from '../../router';
import { Link } from '../../router';
import { ProcessActions } from './actions';
import { ProcessCharts } from './charts';
import { InstancesTable } from './instances';
import { LogViewer } from './logs';
import { Timeline } from './timeline-view';
import './process.css';

export function ProcessScreen({ route }: { route: Route }) {
  const name = route.screen === 'process' ? route.name : '';
  const auth = useAuth();
  const { frame } = useLive();
  const detail = useQuery({
    queryKey: ['process', name],
    queryFn: () => get<ProcessDetail>(`/api/v1/processes/${seg(name)}`),
  });
  if (detail.isPending) return <Loading what={name} />;
  if (detail.error)
    return (
      <section aria-labelledby="process-title">
        <h1 id="process-title">{name}</h1>
        <ErrorState error={detail.error} retry={() => void detail.refetch()} />
        <p>
          <Link to="/">Back to the overview</Link>
        </p>
      </section>
    );
  const process = detail.data;
  const canAct = auth.can('operator');
  return (
    <section aria-labelledby="process-title" className="process-screen" data-process={name}>
      <div className="process-head">
        <h1 id="process-title">
          {process.name} <StateBadge state={process.status} />
        </h1>
        <ProcessActions key={process.desired} process={process} />
      </div>
      <dl className="summary">
        <div>
          <dt>Ready</dt>
          <dd aria-label="Ready instances">
            {process.ready_count} / {process.desired}
          </dd>
        </div>
        <div>
          <dt>Instances</dt>
          <dd>
            {process.instance_count} (min {process.min_instances}, max {process.max_instances})
          </dd>
        </div>
        <div>
          <dt>Restarts</dt>
          <dd>{process.restarts}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{process.version ?? '–'}</dd>
        </div>
        <div>
          <dt>Port</dt>
          <dd>{process.port ?? '–'}</dd>
        </div>
        {process.repository ? (
          <div>
            <dt>Repository</dt>
            <dd>{process.repository}</dd>
          </div>
        ) : null}
        {process.operation ? (
          <div>
            <dt>In progress</dt>
            <dd role="status">{process.operation}</dd>
          </div>
        ) : null}
      </dl>
      <section className="panel" aria-labelledby="instances-title">
        <h2 id="instances-title">Instances</h2>
        {process.instances.length === 0 ? (
          <Empty title="No instances">
            {process.name} runs no instance now
            {canAct ? ': start one with “Start one more” or scale it.' : '.'}
          </Empty>
        ) : (
          <InstancesTable
            process={process.name}
            instances={process.instances}
            frame={frame}
            canAct={canAct}
          />
        )}
      </section>
      <ProcessCharts name={process.name} />
      <LogViewer name={process.name} instances={process.instances} />
      <Timeline name={process.name} recorded={process.events as ProcessDetail['events']} />
    </section>
  );
}
