export { buildCli, runCli, type CliDeps, type CliIo, type RunCommandOptions } from './program.js';
export { statusTable, formatUptime, table } from './format.js';
