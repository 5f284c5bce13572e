/**
 * Updates (/updates): per process with a GitHub repository, the version it runs and the latest
 * release with its notes; "Update" (strategy, optional version), "Update all", the install
 * history with "Roll back", and each update's live progress. Updates started elsewhere (webhook,
 * poller, CLI) are followed too: their `process.update` events name the update id.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { get, post, seg } from '../../api/client';
import type { DaemonEvent } from '../../api/types';
import { useAuth } from '../../auth';
import { ConfirmAction } from '../../components/confirm';
import { Empty, ErrorState, Loading, StateBadge } from '../../components/ui';
import { useLive } from '../../live/use-live';
import {
  FINAL_PHASES,
  STRATEGIES,
  type AvailableUpdate,
  type AvailableUpdates,
  type ProcessVersion,
  type RollbackStarted,
  type UpdateAllStarted,
  type UpdatePhase,
  type UpdateStarted,
  type UpdateStrategy,
} from './types';
import { UpdateProgress } from './update-progress';
import './updates.css';

type Following = Record<string, string>;

/** The update each process is running now according to the live events (newest first). */
export function runningUpdates(events: readonly DaemonEvent[]): Following {
  const seen = new Set<string>();
  const running: Following = {};
  for (const event of events) {
    if (event.type !== 'process.update' || seen.has(event.process)) continue;
    seen.add(event.process);
    const id = event['updateId'];
    const phase = event['phase'] as UpdatePhase | undefined;
    if (typeof id === 'string' && phase !== undefined && !FINAL_PHASES.has(phase))
      running[event.process] = id;
  }
  return running;
}

export const versionText = (version: string): string => version || '(binary_path)';

export function UpdatesScreen() {
  const auth = useAuth();
  const { events } = useLive();
  const available = useQuery({
    queryKey: ['updates', 'available'],
    queryFn: () => get<AvailableUpdates>('/api/v1/updates/available'),
  });
  const [following, setFollowing] = useState<Following>({});
  const follow = (name: string, id: string) => setFollowing((now) => ({ ...now, [name]: id }));
  // Updates started elsewhere (webhook, poller, CLI) are followed from their first event on, and
  // stay shown with their outcome once they end.
  useEffect(() => {
    const running = Object.entries(runningUpdates(events));
    setFollowing((now) =>
      running.some(([name, id]) => now[name] !== id)
        ? { ...now, ...Object.fromEntries(running) }
        : now,
    );
  }, [events]);

  return (
    <section aria-labelledby="updates-title" className="updates">
      <div className="screen-head">
        <h1 id="updates-title">Updates</h1>
        {auth.can('operator') && available.data && available.data.updates.length > 0 ? (
          <UpdateAll updates={available.data.updates} follow={follow} />
        ) : null}
      </div>
      {available.isPending ? (
        <Loading what="the available releases" />
      ) : available.isError ? (
        <ErrorState error={available.error} retry={() => void available.refetch()} />
      ) : available.data.updates.length === 0 ? (
        <Empty title="No process has a GitHub repository">
          Hot deploys need <code>processes[].repository</code> (and a release with an asset for this
          platform) in the config; see docs/updates.md.
        </Empty>
      ) : (
        available.data.updates.map((update) => (
          <ProcessUpdates
            key={update.processName}
            update={update}
            updateId={following[update.processName]}
            follow={follow}
          />
        ))
      )}
    </section>
  );
}

function ProcessUpdates(props: {
  update: AvailableUpdate;
  updateId: string | undefined;
  follow: (name: string, id: string) => void;
}) {
  const { update, updateId, follow } = props;
  const auth = useAuth();
  const name = update.processName;
  const state = update.error ? 'unknown' : update.upToDate ? 'up to date' : 'update available';
  return (
    <section className="panel update-card" aria-label={name} data-process={name}>
      <div className="update-card-head">
        <h2>{name}</h2>
        <span
          className={`badge ${update.error ? 'badge-bad' : update.upToDate ? 'badge-ok' : 'badge-warn'}`}
        >
          {state}
        </span>
        {auth.can('operator') ? <UpdateAction update={update} follow={follow} /> : null}
      </div>
      <p>
        Runs <code>{versionText(update.currentVersion)}</code>; latest release{' '}
        <code>{update.latestVersion || '–'}</code>
        {update.releaseDate ? ` of ${new Date(update.releaseDate).toLocaleDateString()}` : ''}
        {update.repository ? <span className="muted"> · {update.repository}</span> : null}
        {update.releaseUrl ? (
          <>
            {' '}
            ·{' '}
            <a href={update.releaseUrl} rel="noreferrer noopener" target="_blank">
              release page
            </a>
          </>
        ) : null}
      </p>
      {update.error ? (
        <p className="bad" role="alert">
          GitHub could not be asked: {update.error.message} ({update.error.code})
        </p>
      ) : null}
      {updateId ? <UpdateProgress id={updateId} process={name} /> : null}
      {update.releaseNotes ? (
        <details>
          <summary>Release notes of {update.latestVersion}</summary>
          {/* Markdown shown as text: React escapes it, so nothing in it can become HTML. */}
          <pre className="release-notes">{update.releaseNotes}</pre>
        </details>
      ) : null}
      <VersionHistory name={name} follow={follow} />
    </section>
  );
}

function StrategySelect(props: {
  id: string;
  value: UpdateStrategy | '';
  onChange: (value: UpdateStrategy | '') => void;
}) {
  return (
    <label className="field" htmlFor={props.id}>
      Strategy
      <select
        id={props.id}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value as UpdateStrategy | '')}
      >
        <option value="">the process's default</option>
        {STRATEGIES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}

function UpdateAction(props: {
  update: AvailableUpdate;
  follow: (name: string, id: string) => void;
}) {
  const { update, follow } = props;
  const name = update.processName;
  const [strategy, setStrategy] = useState<UpdateStrategy | ''>('');
  const [version, setVersion] = useState('');
  const [force, setForce] = useState(false);
  const target = version.trim() || update.latestVersion || 'the latest release';
  return (
    <ConfirmAction
      label={`Update ${name}`}
      confirmLabel="Update"
      question={`Update ${name} from ${versionText(update.currentVersion)} to ${target}?`}
      run={async () => {
        const body = {
          ...(strategy ? { strategy } : {}),
          ...(version.trim() ? { version: version.trim() } : {}),
          ...(force ? { force: true } : {}),
        };
        const started = await post<UpdateStarted>(`/api/v1/processes/${seg(name)}/update`, body);
        follow(name, started.update_id);
      }}
    >
      <div className="dialog-fields">
        <StrategySelect id={`strategy-${name}`} value={strategy} onChange={setStrategy} />
        <label className="field" htmlFor={`version-${name}`}>
          Version (empty: the latest)
          <input
            id={`version-${name}`}
            value={version}
            placeholder={update.latestVersion}
            onChange={(event) => setVersion(event.target.value)}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
          Reinstall even when it is current
        </label>
      </div>
    </ConfirmAction>
  );
}

function UpdateAll(props: {
  updates: AvailableUpdate[];
  follow: (name: string, id: string) => void;
}) {
  const [strategy, setStrategy] = useState<UpdateStrategy | ''>('');
  const [result, setResult] = useState<UpdateAllStarted | undefined>();
  const behind = props.updates.filter((u) => !u.upToDate && !u.error).length;
  return (
    <div className="update-all">
      <ConfirmAction
        label="Update all"
        question={`Update every process whose latest release is not the one it runs (${behind} now)?`}
        run={async () => {
          const started = await post<UpdateAllStarted>(
            '/api/v1/update',
            strategy ? { strategy } : {},
          );
          setResult(started);
          for (const p of started.processes) if (p.update_id) props.follow(p.name, p.update_id);
        }}
      >
        <div className="dialog-fields">
          <StrategySelect id="strategy-all" value={strategy} onChange={setStrategy} />
        </div>
      </ConfirmAction>
      {result ? (
        <ul className="update-all-result" aria-label="Update all: outcome per process">
          {result.processes.map((p) => (
            <li key={p.name}>
              {p.name}: {p.status.replace('_', ' ')}
              {p.status === 'started'
                ? ` (${versionText(p.current_version)} → ${p.target_version})`
                : ''}
              {p.message ? ` — ${p.message}` : ''}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The install history, fetched when opened (one request per process only on demand). */
function VersionHistory(props: { name: string; follow: (name: string, id: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Versions and rollback</summary>
      {open ? <VersionTable name={props.name} follow={props.follow} /> : null}
    </details>
  );
}

function VersionTable(props: { name: string; follow: (name: string, id: string) => void }) {
  const { name } = props;
  const auth = useAuth();
  const version = useQuery({
    queryKey: ['updates', 'version', name],
    queryFn: () => get<ProcessVersion>(`/api/v1/processes/${seg(name)}/version`),
  });
  if (version.isPending) return <Loading what={`the versions of ${name}`} />;
  if (version.isError)
    return <ErrorState error={version.error} retry={() => void version.refetch()} />;
  const v = version.data;
  return (
    <div className="version-history">
      <p>
        Current <code>{versionText(v.current_version)}</code>
        {v.previous_version ? (
          <>
            , previous <code>{v.previous_version}</code>
          </>
        ) : null}
        {v.instances.length > 0
          ? ` · instances: ${v.instances.map((i) => `${i.id} ${versionText(i.version)}`).join(', ')}`
          : ''}
      </p>
      {v.history.length === 0 ? (
        <Empty title="Nothing installed from GitHub yet">
          The process runs its <code>binary_path</code>; the first update installs a release.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table aria-label={`Install history of ${name}`}>
            <thead>
              <tr>
                <th>Version</th>
                <th>Installed</th>
                <th>State</th>
                <th>Asset</th>
                <th>Checksum</th>
              </tr>
            </thead>
            <tbody>
              {v.history.map((h) => (
                <tr key={`${h.version}-${h.installed_at}`}>
                  <td>
                    {h.release_url ? (
                      <a href={h.release_url} rel="noreferrer noopener" target="_blank">
                        {h.version}
                      </a>
                    ) : (
                      h.version
                    )}
                  </td>
                  <td>{new Date(h.installed_at).toLocaleString()}</td>
                  <td>
                    {h.active ? <StateBadge state="active" /> : null}
                    {h.previous ? <span className="muted"> previous</span> : null}
                    {!h.installed ? <span className="muted"> pruned from disk</span> : null}
                  </td>
                  <td>
                    <code>{h.asset}</code>
                  </td>
                  <td>{h.verified ? 'verified' : <span className="bad">not verified</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {auth.can('operator') ? (
        <RollbackAction name={name} version={v} follow={props.follow} />
      ) : null}
    </div>
  );
}

function RollbackAction(props: {
  name: string;
  version: ProcessVersion;
  follow: (name: string, id: string) => void;
}) {
  const { name, version } = props;
  const [target, setTarget] = useState('');
  const [strategy, setStrategy] = useState<UpdateStrategy | ''>('');
  const choices = version.history.filter((h) => h.installed && !h.active);
  const to = target || version.previous_version || 'the previous version';
  return (
    <ConfirmAction
      label={`Roll back ${name}`}
      confirmLabel="Roll back"
      danger
      disabled={choices.length === 0}
      question={`Roll ${name} back from ${versionText(version.current_version)} to ${to}?`}
      run={async () => {
        const body = { ...(target ? { version: target } : {}), ...(strategy ? { strategy } : {}) };
        const started = await post<RollbackStarted>(
          `/api/v1/processes/${seg(name)}/rollback`,
          body,
        );
        props.follow(name, started.rollback_id);
      }}
    >
      <div className="dialog-fields">
        <label className="field" htmlFor={`rollback-version-${name}`}>
          Version
          <select
            id={`rollback-version-${name}`}
            value={target}
            onChange={(event) => setTarget(event.target.value)}
          >
            <option value="">the previous one</option>
            {choices.map((h) => (
              <option key={h.version} value={h.version}>
                {h.version}
              </option>
            ))}
          </select>
        </label>
        <StrategySelect id={`rollback-strategy-${name}`} value={strategy} onChange={setStrategy} />
      </div>
    </ConfirmAction>
  );
}
