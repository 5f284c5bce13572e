/**
 * The dashboard's shell: skip link, navigation, connection and theme controls, and the screen
 * the URL names. Screens live in screens/ (one folder or file each).
 */
import { useEffect, useState, type ReactElement } from 'react';
import { useAuth } from './auth';
import { ErrorState, Loading } from './components/ui';
import { useLive, useLiveEvents } from './live/use-live';
import { Link, useRouter, type Route } from './router';
import { Login } from './screens/login';
import { SCREENS } from './screens/index';
import { applyTheme, initialTheme, type Theme } from './theme';

const NAV: Array<{ to: string; label: string }> = [
  { to: '/', label: 'Overview' },
  { to: '/updates', label: 'Updates' },
  { to: '/balancers', label: 'Load balancers' },
  { to: '/tunnel', label: 'Tunnel' },
  { to: '/registry', label: 'Registry' },
];

export function App() {
  const auth = useAuth();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => applyTheme(theme), [theme]);
  if (auth.pending) return <Loading what="the dashboard" />;
  if (auth.needsLogin) return <Login />;
  if (auth.error) return <ErrorState error={auth.error} retry={() => window.location.reload()} />;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          gowinproc
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to}>{item.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-right">
          <Connection />
          <span className="muted" title="Your role on this daemon">
            {auth.whoami?.name ?? 'local'} · {auth.whoami?.role}
          </span>
          <button
            type="button"
            aria-label={`Switch to the ${theme === 'dark' ? 'light' : 'dark'} theme`}
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          {auth.whoami?.auth_required ? (
            <button type="button" onClick={auth.logout}>
              Sign out
            </button>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen />
      </main>
    </>
  );
}

function Screen() {
  const { route } = useRouter();
  const Component = SCREENS[route.screen] as (props: { route: Route }) => ReactElement;
  return <Component route={route} />;
}

/** Whether the live event stream is connected (the data shown is live) or reconnecting. */
function Connection() {
  const live = useLiveEvents();
  const { connected } = useLive();
  useEffect(() => {
    live.start();
    return () => live.stop();
  }, [live]);
  return (
    <span className={connected ? 'live on' : 'live off'} role="status" aria-live="polite">
      {connected ? 'live' : 'reconnecting…'}
    </span>
  );
}
