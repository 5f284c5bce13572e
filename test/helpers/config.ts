/** Builds a Config from YAML in a test's temp dir (data and logs inside it). */
import { join } from 'node:path';
import { parseConfig, type Config } from '../../src/config/index.js';

export function configFromYaml(
  dir: string,
  yaml: string,
  env: Record<string, string> = {},
): Config {
  return parseConfig(yaml, join(dir, 'config.yaml'), {
    env,
    paths: { data: join(dir, 'data'), logs: join(dir, 'logs') },
  });
}
