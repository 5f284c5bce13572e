export { ProcessScreen } from './process-screen';
