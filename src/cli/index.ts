export { buildCli, runCli, type CliDeps, type CliIo } from './program.js';
export { parseRunArgs, RUN_OPTIONS, type RunCommandOptions } from './run-options.js';
export { statusTable, formatUptime, table } from './format.js';
export type { GenerateKeys, KeygenRequest, KeygenResult } from './keygen-command.js';
