/** Renders a piece of the dashboard with every provider the app has (query client, live events, auth, router). */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { AuthProvider } from '../auth';
import { LiveEvents } from '../live/live-events';
import { LiveContext } from '../live/use-live';
import { Router } from '../router';

export function renderApp(ui: ReactNode, path = '/') {
  window.history.replaceState(null, '', path);
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const live = new LiveEvents(queries);
  const result = render(
    <QueryClientProvider client={queries}>
      <LiveContext.Provider value={live}>
        <AuthProvider>
          <Router>{ui}</Router>
        </AuthProvider>
      </LiveContext.Provider>
    </QueryClientProvider>,
  );
  return { ...result, queries, live };
}
