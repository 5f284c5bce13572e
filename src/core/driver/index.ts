export type * from './types.js';
export { NodeProcessDriver, type NodeDriverOptions } from './node-driver.js';
export { FakeProcessDriver, FakeProcess, type FakeBehaviour } from './fake-driver.js';
export { planStop, executeStopPlan, type StopStep, type StopEffects } from './stop-plan.js';
export { readIdentity, parseProcStat, parsePsIdentity, parseWindowsIdentity } from './identity.js';
