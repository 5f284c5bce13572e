/** The updates screen's door (registered in screens/index.ts). */
export { UpdatesScreen } from './updates-screen';
