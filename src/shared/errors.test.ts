import { describe, expect, it } from 'vitest';
import { DaemonError, ERROR_CODE_LIST, ERROR_CODES, errnoCode, isErrorCode } from './errors.js';

describe('DaemonError', () => {
  it('carries its code, message, details and cause', () => {
    const cause = new Error('EACCES');
    const error = new DaemonError('permission_denied', 'cannot read /x', {
      details: { path: '/x' },
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DaemonError');
    expect(error.code).toBe('permission_denied');
    expect(error.message).toBe('cannot read /x');
    expect(error.details).toEqual({ path: '/x' });
    expect(error.cause).toBe(cause);
  });

  it('defaults details to an empty object and has no cause unless given', () => {
    const error = new DaemonError('not_found', 'no route');
    expect(error.details).toEqual({});
    expect('cause' in error).toBe(false);
  });

  it('from() keeps an error that already is a DaemonError', () => {
    const original = new DaemonError('port_in_use', 'port 80 is taken');
    expect(DaemonError.from(original)).toBe(original);
    expect(DaemonError.from(original, 'spawn_failed')).toBe(original);
  });

  it('from() wraps an Error with the fallback code, keeping its message and the cause', () => {
    const cause = new TypeError('boom');
    const wrapped = DaemonError.from(cause, 'spawn_failed');
    expect(wrapped).toBeInstanceOf(DaemonError);
    expect(wrapped.code).toBe('spawn_failed');
    expect(wrapped.message).toBe('boom');
    expect(wrapped.cause).toBe(cause);
  });

  it('from() wraps a non-Error with code internal by default', () => {
    const wrapped = DaemonError.from('just a string');
    expect(wrapped.code).toBe('internal');
    expect(wrapped.message).toBe('just a string');
    expect(wrapped.cause).toBe('just a string');
    expect(DaemonError.from(42).message).toBe('42');
    expect(DaemonError.from(undefined).message).toBe('undefined');
  });

  it('serialises to {error, code} only (details and cause stay out of the JSON)', () => {
    const error = new DaemonError('config_invalid', 'bad port', {
      details: { secret: 'x' },
      cause: new Error('inner'),
    });
    expect(error.toJSON()).toEqual({ error: 'bad port', code: 'config_invalid' });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      error: 'bad port',
      code: 'config_invalid',
    });
  });
});

describe('isErrorCode', () => {
  it('accepts every listed code', () => {
    for (const code of ERROR_CODE_LIST) expect(isErrorCode(code)).toBe(true);
    expect(ERROR_CODE_LIST).toEqual(Object.keys(ERROR_CODES));
  });

  it.each([
    'nope',
    '',
    'INTERNAL',
    'toString',
    'constructor',
    '__proto__',
    'hasOwnProperty',
    undefined,
    null,
    3,
    {},
  ])('rejects %j', (value) => {
    expect(isErrorCode(value)).toBe(false);
  });
});

describe('errnoCode', () => {
  it('reads the code of a Node system error', () => {
    const error = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(errnoCode(error)).toBe('ENOENT');
  });

  it.each([new Error('plain'), { code: 5 }, 'ENOENT', null, undefined])(
    'is undefined for %j',
    (value) => {
      expect(errnoCode(value)).toBeUndefined();
    },
  );
});
