/** Which component draws each route's screen. */
import type { ReactElement } from 'react';
import type { Route } from '../router';
import { BalancersScreen } from './balancers/index';
import { NotFound } from './not-found';
import { OverviewScreen } from './overview/index';
import { ProcessScreen } from './process/index';
import { RegistryScreen } from './registry/index';
import { TunnelScreen } from './tunnel/index';
import { UpdatesScreen } from './updates/index';

type ScreenComponent = (props: { route: Route }) => ReactElement;

export const SCREENS: Record<Route['screen'], ScreenComponent> = {
  overview: OverviewScreen,
  process: ProcessScreen,
  updates: UpdatesScreen,
  balancers: BalancersScreen,
  tunnel: TunnelScreen,
  registry: RegistryScreen,
  'not-found': NotFound,
};
