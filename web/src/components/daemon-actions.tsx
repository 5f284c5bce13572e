/**
 * The daemon's own actions (admin): re-read the config file, restart the daemon, and shut it down
 * (both stop every instance gracefully first). Hidden from operators and viewers.
 */
import { useQueryClient } from '@tanstack/react-query';
import { post } from '../api/client';
import { useAuth } from '../auth';
import { ConfirmAction } from './confirm';

interface ReloadAnswer {
  message: string;
  added: string[];
  removed: string[];
  changed: string[];
  restartRequired: string[];
}

export function DaemonActions() {
  const auth = useAuth();
  const queries = useQueryClient();
  if (!auth.can('admin')) return null;
  return (
    <div className="daemon-actions" aria-label="Daemon actions" role="group">
      <ConfirmAction
        label="Reload config"
        question="Re-read the config file and apply the differences? Changed processes are replaced one instance at a time."
        run={async () => {
          const answer = await post<ReloadAnswer>('/api/v1/reload');
          await queries.invalidateQueries();
          return answer.restartRequired.length > 0
            ? `${answer.message}; needs a daemon restart: ${answer.restartRequired.join(', ')}`
            : answer.message;
        }}
      />
      <ConfirmAction
        label="Restart daemon"
        question="Restart the daemon? Every instance stops gracefully, then the daemon starts again (itself, or through its service manager) and starts them; the dashboard reconnects."
        run={async () => {
          const answer = await post<{ status: string; method: string }>('/api/v1/restart');
          return answer.method === 'service-manager'
            ? 'restarting: the service manager starts the daemon again'
            : 'restarting';
        }}
      />
      <ConfirmAction
        label="Shut down daemon"
        danger
        question="Stop every instance and exit the daemon? Nothing restarts it unless a service manager does."
        run={async () => {
          await post('/shutdown');
          return 'the daemon is shutting down';
        }}
      />
    </div>
  );
}
