/** The balancers screen's door (registered in screens/index.ts). */
export { BalancersScreen } from './balancers-screen';
