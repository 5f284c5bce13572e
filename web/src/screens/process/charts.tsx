/** CPU and memory per instance: live (the event stream's metrics frames) or stored history. */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { get, seg } from '../../api/client';
import { Chart } from '../../components/chart';
import { ErrorState, Loading, formatBytes, formatPercent } from '../../components/ui';
import { useLive, useLiveEvents } from '../../live/use-live';
import { RANGES, historySeries, liveSeries, type ProcessMetricsAnswer } from './series';

const formatCpu = (v: number) => formatPercent(v);
const formatMemory = (v: number) => formatBytes(v);

export function ProcessCharts({ name }: { name: string }) {
  const [range, setRange] = useState<string>('live');
  return (
    <section className="panel" aria-labelledby="charts-title">
      <div className="section-head">
        <h2 id="charts-title">CPU and memory</h2>
        <div className="range-buttons" role="group" aria-label="Chart range">
          {[{ id: 'live', label: 'Live' }, ...RANGES].map((r) => (
            <button
              key={r.id}
              type="button"
              aria-pressed={range === r.id}
              onClick={() => setRange(r.id)}
            >
              {r.label}
            </button>
          ))}
        </div>
      </div>
      {range === 'live' ? (
        <LiveCharts name={name} />
      ) : (
        <HistoryCharts name={name} rangeId={range} />
      )}
    </section>
  );
}

function LiveCharts({ name }: { name: string }) {
  const live = useLiveEvents();
  const { frame } = useLive();
  // frames is the live window (mutated in place); each new frame re-renders through useLive.
  const cpu = useMemo(() => liveSeries(live.frames, name, 'cpu'), [live, name, frame]);
  const memory = useMemo(() => liveSeries(live.frames, name, 'memory'), [live, name, frame]);
  return (
    <div className="charts">
      <Chart
        name="cpu-live"
        title="CPU per instance (% of one core), live"
        data={cpu}
        format={formatCpu}
      />
      <Chart
        name="memory-live"
        title="Memory per instance, live"
        data={memory}
        format={formatMemory}
      />
    </div>
  );
}

function HistoryCharts({ name, rangeId }: { name: string; rangeId: string }) {
  const range = RANGES.find((r) => r.id === rangeId) ?? RANGES[0]!;
  const history = useQuery({
    queryKey: ['metrics', name, range.id],
    queryFn: () =>
      get<ProcessMetricsAnswer>(
        `/api/v1/processes/${seg(name)}/metrics?from=${encodeURIComponent(range.from)}`,
      ),
  });
  const cpu = useMemo(() => historySeries(history.data?.series ?? [], 'cpu'), [history.data]);
  const memory = useMemo(() => historySeries(history.data?.series ?? [], 'memory'), [history.data]);
  if (history.isPending) return <Loading what={`the last ${range.label}`} />;
  if (history.error)
    return <ErrorState error={history.error} retry={() => void history.refetch()} />;
  return (
    <div className="charts">
      <Chart
        name="cpu-history"
        title={`CPU per instance (% of one core), last ${range.label}, average per ${history.data.step}`}
        data={cpu}
        format={formatCpu}
      />
      <Chart
        name="memory-history"
        title={`Memory per instance, last ${range.label}, average per ${history.data.step}`}
        data={memory}
        format={formatMemory}
      />
    </div>
  );
}
