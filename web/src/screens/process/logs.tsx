/**
 * The log viewer: the last 200 lines, optionally followed live (SSE), one instance or all, a
 * search box that filters client-side, and at most MAX_LINES lines kept.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { get } from '../../api/client';
import { readEventStream } from '../../api/event-stream';
import type { Instance } from '../../api/types';
import { ErrorState, formatTime } from '../../components/ui';
import {
  MAX_LINES,
  appendBounded,
  filterLines,
  logsPath,
  splitMatches,
  type LogLine,
} from './log-lines';

/** New lines are added to the view at most this often (a busy log must not re-render per line). */
const FLUSH_MS = 100;

export function LogViewer({ name, instances }: { name: string; instances: Instance[] }) {
  const [instance, setInstance] = useState('');
  const [search, setSearch] = useState('');
  const [follow, setFollow] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState<'loading' | 'ready' | 'ended'>('loading');
  const [error, setError] = useState<unknown>();
  const view = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const abort = new AbortController();
    setLines([]);
    setError(undefined);
    setState('loading');
    let pending: LogLine[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const added = pending;
      pending = [];
      setLines((current) => appendBounded(current, added));
    };
    const fail = (cause: unknown) => {
      if (!abort.signal.aborted) setError(cause);
    };
    if (follow) {
      readEventStream(
        logsPath(name, instance, true),
        ({ event, data }) => {
          if (event !== 'line') return;
          setState('ready');
          pending.push(JSON.parse(data) as LogLine);
          timer ??= setTimeout(flush, FLUSH_MS);
        },
        abort.signal,
      )
        .then(() => {
          if (!abort.signal.aborted) setState('ended');
        })
        .catch(fail);
      // A quiet log sends nothing: say it is ready rather than loading forever.
      const quiet = setTimeout(() => setState((s) => (s === 'loading' ? 'ready' : s)), 1000);
      return () => {
        abort.abort();
        clearTimeout(quiet);
        if (timer) clearTimeout(timer);
      };
    }
    get<{ process: string; lines: LogLine[] }>(logsPath(name, instance, false))
      .then((answer) => {
        if (abort.signal.aborted) return;
        setLines(appendBounded([], answer.lines));
        setState('ready');
      })
      .catch(fail);
    return () => abort.abort();
  }, [name, instance, follow, attempt]);

  const visible = filterLines(lines, search);

  // Keep the newest line in sight while following, unless the reader scrolled up.
  useLayoutEffect(() => {
    const element = view.current;
    if (element && follow && pinned.current) element.scrollTop = element.scrollHeight;
  }, [visible.length, follow]);

  return (
    <section className="panel" aria-labelledby="logs-title">
      <div className="section-head">
        <h2 id="logs-title">Logs</h2>
        <div className="log-controls">
          <label>
            Instance{' '}
            <select value={instance} onChange={(event) => setInstance(event.target.value)}>
              <option value="">All instances</option>
              {instances.map((i) => (
                <option key={i.id} value={String(i.index)}>
                  #{i.index}
                </option>
              ))}
            </select>
          </label>
          <label>
            Search{' '}
            <input
              type="search"
              value={search}
              placeholder="filter lines"
              onChange={(event) => setSearch(event.target.value)}
            />
          </label>
          <label>
            <input
              type="checkbox"
              checked={follow}
              onChange={(event) => setFollow(event.target.checked)}
            />{' '}
            Follow
          </label>
        </div>
      </div>
      {error ? (
        <ErrorState error={error} retry={() => setAttempt((n) => n + 1)} />
      ) : (
        <>
          <p className="muted log-count" data-lines={visible.length}>
            {state === 'loading'
              ? 'Loading the last 200 lines…'
              : `${visible.length} of ${lines.length} lines${search.trim() ? ` matching “${search.trim()}”` : ''}${lines.length >= MAX_LINES ? ` (the newest ${MAX_LINES} kept)` : ''}${follow ? ' · following' : ''}`}
          </p>
          {state === 'ended' ? (
            <p className="muted">
              The log stream closed (the daemon restarted or went away).{' '}
              <button type="button" onClick={() => setAttempt((n) => n + 1)}>
                Reconnect
              </button>
            </p>
          ) : null}
          <div
            ref={view}
            className="log-view"
            role="log"
            aria-label="Log lines"
            aria-live="off"
            tabIndex={0}
            onScroll={(event) => {
              const e = event.currentTarget;
              pinned.current = e.scrollHeight - e.scrollTop - e.clientHeight < 24;
            }}
          >
            {state !== 'loading' && visible.length === 0 ? (
              <p className="muted">
                {lines.length === 0
                  ? 'No log lines yet: what the instances write to stdout and stderr appears here.'
                  : 'No line matches the search.'}
              </p>
            ) : (
              visible.map((line, i) => (
                <div key={i} className={`log-line log-${line.stream}`} data-stream={line.stream}>
                  <time dateTime={line.time}>{formatTime(line.time)}</time>{' '}
                  <span className="log-instance">#{line.instance}</span>{' '}
                  {splitMatches(line.text, search).map((part, n) =>
                    part.match ? <mark key={n}>{part.text}</mark> : part.text,
                  )}
                </div>
              ))
            )}
          </div>
        </>
      )}
    </section>
  );
}
