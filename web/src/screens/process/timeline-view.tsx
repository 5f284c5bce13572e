/** The process's events: the detail's last 50 plus the live ones, newest first. */
import type { DaemonEvent } from '../../api/types';
import { Empty, formatTime } from '../../components/ui';
import { useLive } from '../../live/use-live';
import { describeEvent, mergeEvents } from './timeline';

export function Timeline({ name, recorded }: { name: string; recorded: DaemonEvent[] }) {
  const { events } = useLive();
  const merged = mergeEvents(recorded, events, name);
  return (
    <section className="panel" aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      {merged.length === 0 ? (
        <Empty title="No events yet">
          State changes, health results, restarts and scaling of {name} appear here as they happen.
        </Empty>
      ) : (
        <ol className="timeline" aria-label={`Events of ${name}`}>
          {merged.map((event) => (
            <li key={event.seq} data-type={event.type}>
              <time dateTime={new Date(event.at).toISOString()}>{formatTime(event.at)}</time>{' '}
              <strong>{event.type}</strong>
              {event.index !== undefined ? (
                <span className="muted"> #{event.index}</span>
              ) : null}{' '}
              <span>{describeEvent(event)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
