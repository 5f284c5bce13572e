import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../../test/helpers/config.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { AuthPolicy } from '../../auth/index.js';
import { buildRestApi, restRoutes } from '../rest-api.js';
import { fakeApp } from '../../../../test/helpers/fake-app.js';

async function setup() {
  const config = configFromYaml(
    tempDir(),
    'processes:\n  - name: web\n    binary_path: /bin/web\n',
  );
  const { app } = await fakeApp(config);
  const api = buildRestApi({
    app,
    auth: new AuthPolicy({ host: '127.0.0.1', auth: { api_keys: [], insecure: false } }),
  });
  const call = async (method: string, url: string, body = '') => {
    const response = await api.handle({ method, url, headers: {}, body });
    if (!('body' in response)) throw new Error(`${url} answered with a stream`);
    return { status: response.status, json: JSON.parse(response.body) as Record<string, unknown> };
  };
  return { app, call };
}

describe('routes of the hot-deploy feature', () => {
  it('answer 501 not_implemented naming the feature, and 404 first for an unknown process', async () => {
    const { app, call } = await setup();
    const pending = restRoutes(app).filter((spec) => spec.pending !== undefined);
    expect(pending.map((spec) => `${spec.method} ${spec.path}`).sort()).toEqual(
      [
        'get /api/v1/processes/:name/version',
        'get /api/v1/updates/:id',
        'get /api/v1/updates/:id/events',
        'get /api/v1/updates/available',
        'post /api/v1/processes/:name/rollback',
        'post /api/v1/processes/:name/update',
        'post /api/v1/update',
      ].sort(),
    );
    for (const spec of pending) {
      const url = (name: string) => spec.path.replace(':name', name).replace(':id', 'u-1');
      const answer = await call(spec.method.toUpperCase(), url('web'));
      expect(answer, `${spec.method} ${spec.path}`).toMatchObject({
        status: 501,
        json: { code: 'not_implemented' },
      });
      expect(answer.json.error).toContain(spec.pending);
      if (spec.path.includes(':name')) {
        expect(await call(spec.method.toUpperCase(), url('nope'))).toMatchObject({
          status: 404,
          json: { code: 'process_not_found' },
        });
      }
    }
  });

  it('validate their input before saying so', async () => {
    const { call } = await setup();
    expect(
      await call('POST', '/api/v1/processes/web/update', JSON.stringify({ instances: 'all' })),
    ).toMatchObject({ status: 400, json: { code: 'invalid_argument' } });
    expect(
      await call('POST', '/api/v1/update', JSON.stringify({ healthCheckDelay: 5 })),
    ).toMatchObject({ status: 501 });
  });
});
