/** The tunnel screen's door (registered in screens/index.ts). */
export { TunnelScreen } from './tunnel-screen';
