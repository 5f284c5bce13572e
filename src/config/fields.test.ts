import { describe, expect, it } from 'vitest';
import { CONFIG_FILE, parse, problemOf, yaml } from '../../test/fixtures/config/support.js';

/** `metrics.interval: <value>` on line 2, so every problem below is at that key and line. */
const readTimeout = (value: string) => `server:\n  read_timeout: ${value}\n`;
const logsMaxSize = (value: string) => `logs:\n  max_size: ${value}\n`;

describe('durations', () => {
  it.each<[string, number]>([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['1.5s', 1500],
    ['0', 0],
    ['"0"', 0],
    ['"45s"', 45_000],
  ])('reads %s as %d ms', (value, ms) => {
    expect(parse(readTimeout(value)).server.read_timeout).toBe(ms);
  });

  it('reads durations wherever the schema has one', () => {
    const config = parse(yaml`
      server: { read_timeout: 2m, write_timeout: 90s }
      secrets: { cloudflare: { retry_backoff: 250ms, cache_ttl: 1h } }
      github: { update_mode: { polling: { interval: 1h30m } } }
      processes:
        - name: api
          binary_path: ./api
          restart: { backoff: { initial: 50ms, max: 1m }, window: 10m, reset_after: 5s }
          stop: { timeout: 3s }
          health_check: { interval: 10s, timeout: 1s, start_period: 20s }
          scaling: { sustain: 30s, cooldown: 2m }
          github: { update_check_interval: 1d }
    `);
    expect(config.server).toMatchObject({ read_timeout: 120_000, write_timeout: 90_000 });
    expect(config.secrets.cloudflare).toMatchObject({ retry_backoff: 250, cache_ttl: 3_600_000 });
    expect(config.github.update_mode.polling.interval).toBe(5_400_000);
    const proc = config.processes[0]!;
    expect(proc.restart).toMatchObject({
      backoff: { initial: 50, max: 60_000 },
      window: 600_000,
      reset_after: 5000,
    });
    expect(proc.stop.timeout).toBe(3000);
    expect(proc.health_check).toMatchObject({
      interval: 10_000,
      timeout: 1000,
      start_period: 20_000,
    });
    expect(proc.scaling).toMatchObject({ sustain: 30_000, cooldown: 120_000 });
    expect(proc.github.update_check_interval).toBe(86_400_000);
  });

  it.each([
    ['30', '30'],
    ['"30"', '"30"'],
    ['soon', '"soon"'],
    ['-5s', '"-5s"'],
    ['5 minutes', '"5 minutes"'],
    ['1w', '"1w"'],
    ['true', 'true'],
    ['""', '""'],
    ['[5s]', '["5s"]'],
  ])('rejects %s, echoing the bad value', (value, echoed) => {
    const problem = problemOf(readTimeout(value));
    expect(problem).toMatchObject({ file: CONFIG_FILE, line: 2, key: 'server.read_timeout' });
    expect(problem.message).toContain(`invalid duration ${echoed}`);
    expect(problem.message).toContain('"500ms"');
  });
});

describe('metrics bounds', () => {
  it.each<[string, string]>([
    ['metrics:\n  interval: 10ms\n', 'metrics.interval must be between 100ms and 1h'],
    ['metrics:\n  retention: 30s\n', 'metrics.retention must be at least 1m'],
    ['metrics:\n  max_size: 1KB\n', 'metrics.max_size must be at least 1MiB'],
  ])('rejects %j', (text, message) => {
    const problem = problemOf(text);
    expect(problem).toMatchObject({ file: CONFIG_FILE, line: 2 });
    expect(problem.message).toContain(message);
  });
});

describe('sizes', () => {
  it.each<[string, number]>([
    ['10MB', 10_000_000],
    ['10MiB', 10 * 1024 ** 2],
    ['150M', 150 * 1024 ** 2],
    ['512KB', 512_000],
    ['1GiB', 1024 ** 3],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['4096', 4096],
    ['"4096"', 4096],
    ['0', 0],
  ])('reads %s as %d bytes', (value, bytes) => {
    expect(parse(logsMaxSize(value)).logs.max_size).toBe(bytes);
  });

  it('reads sizes in process logs, restart.max_memory and scaling.memory_threshold', () => {
    const proc = parse(yaml`
      processes:
        - name: api
          binary_path: ./api
          logs: { max_size: 1MB }
          restart: { max_memory: 512MiB }
          scaling: { memory_threshold: 2G }
    `).processes[0]!;
    expect(proc.logs.max_size).toBe(1_000_000);
    expect(proc.restart.max_memory).toBe(512 * 1024 ** 2);
    expect(proc.scaling.memory_threshold).toBe(2 * 1024 ** 3);
  });

  it.each([
    ['10XB', '"10XB"'],
    ['lots', '"lots"'],
    ['-1', '-1'],
    ['1.5', '1.5'],
    ['"-5MB"', '"-5MB"'],
    ['true', 'true'],
  ])('rejects %s, echoing the bad value', (value, echoed) => {
    const problem = problemOf(logsMaxSize(value));
    expect(problem).toMatchObject({ file: CONFIG_FILE, line: 2, key: 'logs.max_size' });
    expect(problem.message).toContain(`invalid size ${echoed}`);
  });
});

describe('ports and port ranges', () => {
  it('accepts a port written as a number or a numeric string, and 0 for the server', () => {
    expect(parse('server:\n  port: "8081"\n').server.port).toBe(8081);
    expect(parse('server:\n  port: 0\n  grpc_port: 0\n').server).toMatchObject({
      port: 0,
      grpc_port: 0,
    });
  });

  it.each([
    ['abc', '"abc"'],
    ['70000', '70000'],
    ['-1', '-1'],
    ['80.5', '80.5'],
  ])('rejects server.port %s', (value, echoed) => {
    const problem = problemOf(`server:\n  port: ${value}\n`);
    expect(problem).toMatchObject({ line: 2, key: 'server.port' });
    expect(problem.message).toContain(`invalid port ${echoed}`);
  });

  it('rejects port 0 for a process (a fixed port must be a real one)', () => {
    const problem = problemOf('processes:\n  - name: a\n    binary_path: ./a\n    port: 0\n');
    expect(problem).toMatchObject({ line: 4, key: 'processes[0].port' });
    expect(problem.message).toContain('invalid port 0 (expected an integer 1-65535)');
  });

  it.each<[string, { start: number; end: number }]>([
    ['6000-6099', { start: 6000, end: 6099 }],
    ['"7000 - 7000"', { start: 7000, end: 7000 }],
    ['{ start: 9000, end: 9010 }', { start: 9000, end: 9010 }],
  ])('reads port_range %s', (value, range) => {
    const config = parse(
      `processes:\n  - name: a\n    binary_path: ./a\n    port_range: ${value}\n`,
    );
    expect(config.processes[0]!.port_range).toEqual(range);
  });

  it.each([
    ['7000-6000', '"7000-6000"'],
    ['1-70000', '"1-70000"'],
    ['0-10', '"0-10"'],
    ['5001', '5001'],
    ['some', '"some"'],
  ])('rejects port_range %s', (value, echoed) => {
    const problem = problemOf(
      `processes:\n  - name: a\n    binary_path: ./a\n    port_range: ${value}\n`,
    );
    expect(problem).toMatchObject({ line: 4, key: 'processes[0].port_range' });
    expect(problem.message).toContain(`invalid port range ${echoed}`);
  });
});

describe('strings written as YAML numbers or booleans', () => {
  it('turns env values and args into strings', () => {
    const proc = parse(yaml`
      processes:
        - name: api
          binary_path: ./api
          args: [--port, 9000, --verbose, true]
          env: { PORT: 9000, HEADLESS: false, RATIO: 0.5, NAME: api }
    `).processes[0]!;
    expect(proc.args).toEqual(['--port', '9000', '--verbose', 'true']);
    expect(proc.env).toEqual({ PORT: '9000', HEADLESS: 'false', RATIO: '0.5', NAME: 'api' });
  });

  it('treats an empty env value (`MODE:`) as not set', () => {
    const proc = parse(
      'processes:\n  - name: a\n    binary_path: ./a\n    env:\n      MODE:\n      KEEP: x\n',
    ).processes[0]!;
    expect(proc.env).toEqual({ KEEP: 'x' });
  });

  it.each([['[a, b]', 'got object']])('rejects an env value of %s', (value, message) => {
    const problem = problemOf(
      `processes:\n  - name: a\n    binary_path: ./a\n    env:\n      MODE: ${value}\n`,
    );
    expect(problem).toMatchObject({ line: 5, key: 'processes[0].env.MODE' });
    expect(problem.message).toContain(message);
  });
});

describe('other invalid values name the key, the line and the bad value', () => {
  it.each([
    ['log_level: loud\n', 1, 'log_level', ['"loud"', '"info"', '"debug"']],
    ['secrets:\n  mode: hybrid\n', 2, 'secrets.mode', ['"hybrid"', '"standalone"', '"cloudflare"']],
    ['github:\n  api_url: not a url\n', 2, 'github.api_url', ['"not a url"', 'a URL']],
    ['certificates:\n  key_size: 100\n', 2, 'certificates.key_size', ['100', '256 to 8192']],
    ['certificates:\n  key_type: dsa\n', 2, 'certificates.key_type', ['"dsa"', '"rsa"', '"ecdsa"']],
    ['server:\n  host: [a]\n', 2, 'server.host', ['expected a string', 'a list']],
    [
      'server:\n  auth:\n    insecure: maybe\n',
      3,
      'server.auth.insecure',
      ['expected true or false', '"maybe"'],
    ],
    ['metrics:\n  store: redis\n', 2, 'metrics.store', ['"redis"', '"sqlite"']],
    [
      'processes:\n  - name: "a b"\n    binary_path: ./a\n',
      2,
      'processes[0].name',
      ['"a b"', 'letters, digits'],
    ],
    [
      'processes:\n  - name: a\n    repository: just-a-name\n',
      3,
      'processes[0].repository',
      ['"just-a-name"', 'owner/repo'],
    ],
    [
      'processes:\n  - name: a\n    binary_path: ./a\n    stop: { signal: SIGSTOP }\n',
      4,
      'processes[0].stop.signal',
      ['"SIGSTOP"', '"SIGTERM"'],
    ],
    [
      'processes:\n  - name: a\n    binary_path: ./a\n    health_check: { retries: 0 }\n',
      4,
      'processes[0].health_check.retries',
      ['0', 'from 1 to 1000'],
    ],
    [
      'processes:\n  - name: a\n    binary_path: ./a\n    instances: two\n',
      4,
      'processes[0].instances',
      ['"two"'],
    ],
  ])('%j', (text, line, key, fragments) => {
    const problem = problemOf(text);
    expect(problem).toMatchObject({ file: CONFIG_FILE, line, key });
    for (const fragment of fragments) expect(problem.message).toContain(fragment);
  });

  it('says a required key is missing, at the line of the item that lacks it', () => {
    const problem = problemOf('processes:\n  - binary_path: ./a\n');
    expect(problem).toMatchObject({ line: 2, key: 'processes[0].name' });
    expect(problem.message).toBe('required key is missing');
  });

  it('says what a section should be when it has the wrong shape', () => {
    expect(problemOf('processes: {api: {}}\n')).toMatchObject({
      line: 1,
      key: 'processes',
      message: 'expected a list, got a mapping',
    });
    expect(problemOf('server: 8080\n')).toMatchObject({
      line: 1,
      key: 'server',
      message: 'expected a mapping, got number 8080',
    });
  });
});
