export type * from './types.js';
export { loadConfigFile, parseConfig, type LoadConfigOptions } from './load.js';
export { printConfig, presentConfig } from './print.js';
export { isSecretEnvName, isSecretPath, MASK } from './secret-paths.js';
export { ENV_OVERRIDES } from './env-overrides.js';
export { formatKeyPath, type ConfigProblem } from './issues.js';
export { configSchema } from './schema.js';
