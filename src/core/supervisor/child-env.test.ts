import { describe, expect, it } from 'vitest';
import { buildChildEnv, injectedEnv, type EnvLayers } from './child-env.js';

const injected = injectedEnv({
  processName: 'api',
  port: 5001,
  instanceId: 'api-7f3a',
  instanceIndex: 1,
  extra: {},
});

function layers(overrides: Partial<EnvLayers>): EnvLayers {
  return { daemon: {}, dotenv: {}, config: {}, injected: {}, ...overrides };
}

describe('buildChildEnv on Linux', () => {
  it('stacks daemon env < .env < config env < injected', () => {
    const env = buildChildEnv(
      layers({
        daemon: { A: 'daemon', B: 'daemon', C: 'daemon', D: 'daemon', HOME: '/root' },
        dotenv: { B: 'dotenv', C: 'dotenv', D: 'dotenv', SECRET: 'pa$$word' },
        config: { C: 'config', D: 'config', LOG_LEVEL: 'debug' },
        injected: { D: 'injected', PORT: '5001' },
      }),
      'linux',
    );
    expect(env).toEqual({
      A: 'daemon',
      B: 'dotenv',
      C: 'config',
      D: 'injected',
      HOME: '/root',
      SECRET: 'pa$$word',
      LOG_LEVEL: 'debug',
      PORT: '5001',
    });
  });

  it('the injected variables beat the same names from every other layer', () => {
    const env = buildChildEnv(
      layers({
        daemon: { PORT: '1', PROCESS_NAME: 'daemon' },
        dotenv: { PORT: '2', INSTANCE_ID: 'dotenv' },
        config: { PORT: '3', GRPC_PORT: '3', INSTANCE_INDEX: '9' },
        injected,
      }),
      'linux',
    );
    expect(env).toMatchObject({
      PORT: '5001',
      GRPC_PORT: '5001',
      PROCESS_PORT: '5001',
      PROCESS_NAME: 'api',
      INSTANCE_ID: 'api-7f3a',
      INSTANCE_INDEX: '1',
    });
  });

  it('drops undefined values of the daemon env', () => {
    const env = buildChildEnv(layers({ daemon: { KEEP: 'x', GONE: undefined } }), 'linux');
    expect(env).toEqual({ KEEP: 'x' });
    expect('GONE' in env).toBe(false);
  });

  it('keeps an empty string value (set but empty is not unset)', () => {
    expect(buildChildEnv(layers({ daemon: { A: 'x' }, config: { A: '' } }), 'linux')).toEqual({
      A: '',
    });
  });

  it('treats names that differ in case as different variables', () => {
    const env = buildChildEnv(
      layers({ daemon: { PATH: '/usr/bin', Path: 'other' }, config: { path: '/opt/bin' } }),
      'linux',
    );
    expect(env).toEqual({ PATH: '/usr/bin', Path: 'other', path: '/opt/bin' });
  });

  it('does not change the layers it is given', () => {
    const daemon = { A: '1' };
    const config = { A: '2' };
    buildChildEnv(layers({ daemon, config }), 'linux');
    expect(daemon).toEqual({ A: '1' });
    expect(config).toEqual({ A: '2' });
  });

  it('behaves the same on macOS', () => {
    const input = layers({ daemon: { PATH: '/usr/bin' }, config: { Path: '/opt/bin' } });
    expect(buildChildEnv(input, 'darwin')).toEqual(buildChildEnv(input, 'linux'));
  });
});

describe('buildChildEnv on Windows', () => {
  it('a config `Path` replaces the daemon `PATH` (one variable, the later spelling)', () => {
    const env = buildChildEnv(
      layers({
        daemon: { PATH: 'C:\\Windows', SystemRoot: 'C:\\Windows' },
        config: { Path: 'C:\\tools' },
      }),
      'win32',
    );
    expect(env).toEqual({ Path: 'C:\\tools', SystemRoot: 'C:\\Windows' });
  });

  it('applies the same precedence whatever the case of each layer', () => {
    const env = buildChildEnv(
      layers({
        daemon: { Api_Key: 'daemon', Port: '1', ComSpec: 'cmd.exe' },
        dotenv: { API_KEY: 'dotenv' },
        config: { api_key: 'config', port: '3' },
        injected,
      }),
      'win32',
    );
    expect(env).toEqual({
      ComSpec: 'cmd.exe',
      api_key: 'config',
      PORT: '5001',
      GRPC_PORT: '5001',
      PROCESS_PORT: '5001',
      PROCESS_NAME: 'api',
      INSTANCE_ID: 'api-7f3a',
      INSTANCE_INDEX: '1',
    });
  });

  it('keeps one entry when the same layer repeats a name in another case', () => {
    const env = buildChildEnv(layers({ daemon: { path: 'a', PATH: 'b' } }), 'win32');
    expect(env).toEqual({ PATH: 'b' });
  });

  it('a later layer with the same spelling simply replaces the value', () => {
    const env = buildChildEnv(layers({ daemon: { Path: 'a' }, dotenv: { Path: 'b' } }), 'win32');
    expect(env).toEqual({ Path: 'b' });
  });

  it('an undefined daemon value does not remove an earlier spelling', () => {
    const env = buildChildEnv(layers({ daemon: { PATH: 'C:\\x', Path: undefined } }), 'win32');
    expect(env).toEqual({ PATH: 'C:\\x' });
  });
});

describe('injectedEnv', () => {
  it('sets the name, the one port under three names, the id and the index', () => {
    expect(injected).toEqual({
      PROCESS_NAME: 'api',
      PROCESS_PORT: '5001',
      GRPC_PORT: '5001',
      PORT: '5001',
      INSTANCE_ID: 'api-7f3a',
      INSTANCE_INDEX: '1',
    });
  });

  it('sets GOWINPROC_VERSION only when the version is known', () => {
    expect('GOWINPROC_VERSION' in injected).toBe(false);
    const withVersion = injectedEnv({
      processName: 'api',
      port: 5001,
      instanceId: 'x',
      instanceIndex: 0,
      version: 'v1.2.3',
      extra: {},
    });
    expect(withVersion.GOWINPROC_VERSION).toBe('v1.2.3');
    expect(withVersion.INSTANCE_INDEX).toBe('0');
  });

  it("adds the hooks' extras (certificates, tunnel)", () => {
    const env = injectedEnv({
      processName: 'api',
      port: 5001,
      instanceId: 'x',
      instanceIndex: 0,
      extra: {
        CERT_FILE: '/data/certs/api.crt',
        KEY_FILE: '/data/certs/api.key',
        TUNNEL_URL: 'https://t.example',
      },
    });
    expect(env).toMatchObject({
      CERT_FILE: '/data/certs/api.crt',
      KEY_FILE: '/data/certs/api.key',
      TUNNEL_URL: 'https://t.example',
    });
  });

  it('hook extras cannot override the core variables', () => {
    const env = injectedEnv({
      processName: 'api',
      port: 5001,
      instanceId: 'x',
      instanceIndex: 2,
      version: 'v1',
      extra: {
        PROCESS_NAME: 'evil',
        PROCESS_PORT: '1',
        GRPC_PORT: '1',
        PORT: '1',
        INSTANCE_ID: 'evil',
        INSTANCE_INDEX: '99',
        GOWINPROC_VERSION: 'v0',
      },
    });
    expect(env).toEqual({
      PROCESS_NAME: 'api',
      PROCESS_PORT: '5001',
      GRPC_PORT: '5001',
      PORT: '5001',
      INSTANCE_ID: 'x',
      INSTANCE_INDEX: '2',
      GOWINPROC_VERSION: 'v1',
    });
  });

  it('on Windows a hook extra in another case cannot override a core variable either', () => {
    const vars = injectedEnv({
      processName: 'api',
      port: 5001,
      instanceId: 'x',
      instanceIndex: 0,
      extra: { port: '1', Instance_Id: 'evil' },
    });
    const env = buildChildEnv(layers({ injected: vars }), 'win32');
    expect(env).toMatchObject({ PORT: '5001', INSTANCE_ID: 'x' });
    expect(env).not.toHaveProperty('port');
    expect(env).not.toHaveProperty('Instance_Id');
  });
});
