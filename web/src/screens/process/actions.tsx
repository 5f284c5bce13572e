/**
 * Process and instance actions (operator and admin only): start, stop, restart, scale, each
 * through ConfirmAction (a question first, then the button's busy state and the outcome).
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { post, seg } from '../../api/client';
import type { Instance, ProcessDetail } from '../../api/types';
import { useAuth } from '../../auth';
import { ConfirmAction } from '../../components/confirm';

type Verb = 'start' | 'stop' | 'restart';

/** POSTs an action and refreshes the process (live events refresh it too as states change). */
function useAction(name: string) {
  const queries = useQueryClient();
  return async (verb: Verb | 'scale', body: Record<string, unknown>) => {
    try {
      return await post(`/api/v1/processes/${seg(name)}/${verb}`, body);
    } finally {
      void queries.invalidateQueries({ queryKey: ['process', name] });
      void queries.invalidateQueries({ queryKey: ['processes'] });
    }
  };
}

export function ProcessActions({ process }: { process: ProcessDetail }) {
  const auth = useAuth();
  const act = useAction(process.name);
  const [count, setCount] = useState(process.desired);
  if (!auth.can('operator')) return null;
  const { name, min_instances: min, max_instances: max } = process;
  const active = process.instances.filter((i) => i.status !== 'stopped').length;
  return (
    <div className="process-actions" role="group" aria-label={`Actions for ${name}`}>
      <ConfirmAction
        label="Start one more"
        question={`Start one more instance of ${name} (up to ${max})?`}
        disabled={process.instance_count >= max}
        run={() => act('start', {})}
      />
      <ConfirmAction
        label="Start all"
        question={`Start every failed instance of ${name} again and return to its configured count?`}
        run={() => act('start', { all: true })}
      />
      <ConfirmAction
        label="Restart all"
        question={`Restart every instance of ${name}? Each is replaced only once its successor is ready.`}
        disabled={active === 0}
        run={() => act('restart', {})}
      />
      <ConfirmAction
        label="Stop all"
        danger
        question={`Stop every instance of ${name}? Its clients lose it until it is started again.`}
        disabled={active === 0}
        run={() => act('stop', { all: true })}
      />
      <ConfirmAction
        label="Scale"
        question={`How many instances of ${name} should run (${min}–${max})?`}
        confirmLabel="Apply"
        run={() => act('scale', { instances: Math.min(max, Math.max(min, count)) })}
      >
        <label className="scale-field">
          Instances
          <input
            type="number"
            min={min}
            max={max}
            step={1}
            value={count}
            onChange={(event) => setCount(Number(event.target.value))}
            required
          />
        </label>
      </ConfirmAction>
    </div>
  );
}

const RUNNING = new Set(['starting', 'running', 'healthy', 'unhealthy', 'backoff']);

export function InstanceActions({ process, instance }: { process: string; instance: Instance }) {
  const auth = useAuth();
  const act = useAction(process);
  if (!auth.can('operator')) return null;
  const tag = `#${instance.index}`;
  const body = { instance_id: instance.id };
  const running = RUNNING.has(instance.status);
  return (
    <span className="instance-actions">
      {running ? (
        <>
          <ConfirmAction
            label={`Restart ${tag}`}
            question={`Restart instance ${tag} of ${process} (${instance.id})?`}
            confirmLabel="Restart"
            disabled={instance.status === 'backoff'}
            run={() => act('restart', body)}
          />
          <ConfirmAction
            label={`Stop ${tag}`}
            danger
            question={`Stop instance ${tag} of ${process} (${instance.id})?`}
            confirmLabel="Stop"
            run={() => act('stop', body)}
          />
        </>
      ) : instance.status === 'stopping' ? null : (
        <ConfirmAction
          label={`Start ${tag}`}
          question={`Start instance ${tag} of ${process} again, with a fresh restart history?`}
          confirmLabel="Start"
          run={() => act('start', body)}
        />
      )}
    </span>
  );
}
