import { describe, expect, it } from 'vitest';
import { parseRoute } from './router';

describe('parseRoute', () => {
  it('maps every screen path, with or without a trailing slash', () => {
    expect(parseRoute('/')).toEqual({ screen: 'overview' });
    expect(parseRoute('/processes/api')).toEqual({ screen: 'process', name: 'api' });
    expect(parseRoute('/processes/my.svc-1/')).toEqual({ screen: 'process', name: 'my.svc-1' });
    expect(parseRoute('/updates')).toEqual({ screen: 'updates' });
    expect(parseRoute('/balancers')).toEqual({ screen: 'balancers' });
    expect(parseRoute('/tunnel')).toEqual({ screen: 'tunnel' });
    expect(parseRoute('/registry')).toEqual({ screen: 'registry' });
  });

  it('says not-found for anything else', () => {
    expect(parseRoute('/processes')).toEqual({ screen: 'not-found', path: '/processes' });
    expect(parseRoute('/processes/a/b')).toEqual({ screen: 'not-found', path: '/processes/a/b' });
  });
});
