import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { AuthProvider } from './auth';
import { LiveEvents } from './live/live-events';
import { LiveContext } from './live/use-live';
import { Router } from './router';
import './styles.css';

// Live data comes from the event stream (it invalidates what changed): no polling here.
const queries = new QueryClient({
  defaultOptions: { queries: { staleTime: 30_000, refetchOnWindowFocus: true, retry: 1 } },
});
const live = new LiveEvents(queries);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <LiveContext.Provider value={live}>
        <AuthProvider>
          <Router>
            <App />
          </Router>
        </AuthProvider>
      </LiveContext.Provider>
    </QueryClientProvider>
  </StrictMode>,
);
