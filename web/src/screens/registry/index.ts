/** The registry screen's door (registered in screens/index.ts). */
export { RegistryScreen } from './registry-screen';
