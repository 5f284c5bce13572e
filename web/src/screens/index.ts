/** Which component draws each route's screen. */
import type { ReactElement } from 'react';
import type { Route } from '../router';
import { NotFound } from './not-found';
import { Placeholder } from './placeholder';

type ScreenComponent = (props: { route: Route }) => ReactElement;

export const SCREENS: Record<Route['screen'], ScreenComponent> = {
  overview: () => Placeholder({ title: 'Overview' }),
  process: () => Placeholder({ title: 'Process' }),
  updates: () => Placeholder({ title: 'Updates' }),
  balancers: () => Placeholder({ title: 'Load balancers' }),
  tunnel: () => Placeholder({ title: 'Tunnel' }),
  registry: () => Placeholder({ title: 'Registry' }),
  'not-found': NotFound,
};
