/**
 * A small history-API router: real paths (/processes/api) that the daemon answers with the
 * dashboard, so every screen has a URL an operator can bookmark and share.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useState,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

export type Route =
  | { screen: 'overview' }
  | { screen: 'process'; name: string }
  | { screen: 'updates' }
  | { screen: 'balancers' }
  | { screen: 'tunnel' }
  | { screen: 'registry' }
  | { screen: 'not-found'; path: string };

export function parseRoute(path: string): Route {
  const clean = path.replace(/\/+$/, '') || '/';
  if (clean === '/') return { screen: 'overview' };
  const process = /^\/processes\/([^/]+)$/.exec(clean);
  if (process) return { screen: 'process', name: decodeURIComponent(process[1]!) };
  if (clean === '/updates') return { screen: 'updates' };
  if (clean === '/balancers') return { screen: 'balancers' };
  if (clean === '/tunnel') return { screen: 'tunnel' };
  if (clean === '/registry') return { screen: 'registry' };
  return { screen: 'not-found', path: clean };
}

interface RouterValue {
  path: string;
  route: Route;
  navigate(path: string): void;
}

const RouterContext = createContext<RouterValue | undefined>(undefined);

export function Router({ children }: { children: ReactNode }) {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string) => {
    if (to === window.location.pathname) return;
    window.history.pushState(null, '', to);
    setPath(to);
    window.scrollTo?.(0, 0);
  }, []);
  return (
    <RouterContext.Provider value={{ path, route: parseRoute(path), navigate }}>
      {children}
    </RouterContext.Provider>
  );
}

export function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (!value) throw new Error('useRouter outside <Router>');
  return value;
}

/** An <a> that navigates without a page load (and still opens in a new tab with a modifier). */
export function Link({
  to,
  children,
  ...rest
}: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { navigate, path } = useRouter();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} aria-current={path === to ? 'page' : undefined} {...rest}>
      {children}
    </a>
  );
}
