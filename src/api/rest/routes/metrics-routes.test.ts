import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../../test/helpers/config.js';
import { fakeApp } from '../../../../test/helpers/fake-app.js';
import { FakeMetricsSource } from '../../../../test/helpers/fake-metrics.js';
import { instanceSample, metricsTick } from '../../../../test/helpers/metric-samples.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { AuthPolicy } from '../../auth/index.js';
import { buildRestApi } from '../rest-api.js';

const YAML = `
processes:
  - name: web
    binary_path: /bin/web
    secrets: { enabled: false }
`;
const VIEWER_KEY = 'viewer-key-0123456789';

async function setup(options: { prometheus?: boolean; auth?: boolean } = {}) {
  const metrics = new FakeMetricsSource();
  const yaml = options.auth
    ? `server:\n  auth:\n    api_keys: [{ name: ci, key: ${VIEWER_KEY}, role: viewer }]\n${YAML}`
    : YAML;
  const config = configFromYaml(tempDir(), yaml);
  const { app, supervisor } = await fakeApp(config, {
    metrics,
    ...(options.prometheus === undefined ? {} : { prometheus: options.prometheus }),
  });
  const api = buildRestApi({ app, auth: new AuthPolicy(config.server) });
  const call = async (url: string, headers: Record<string, string> = {}) => {
    const response = await api.handle({ method: 'GET', url, headers, body: '' });
    if (!('body' in response)) throw new Error(`${url} answered with a stream`);
    return response;
  };
  const json = async (url: string) => {
    const response = await call(url);
    return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
  };
  return { metrics, supervisor, call, json };
}

describe('metrics routes', () => {
  it('GET /api/v1/processes/:name/metrics answers the current samples and the series', async () => {
    const { metrics, supervisor, json } = await setup();
    const web0 = supervisor.program('web').instances()[0]!;
    metrics.publish(metricsTick([instanceSample({ instance: web0.id, pid: web0.pid! })]));
    const answer = await json('/api/v1/processes/web/metrics?from=-5m&step=10s');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      process: 'web',
      step: '10s',
      step_ms: 10_000,
      current: { aggregated: { instance_count: 1, total_memory_usage: 50 * 1024 * 1024 } },
      series: [],
    });
    expect(metrics.queries.at(-1)?.range.stepMs).toBe(10_000);
  });

  it('answers 400 for a bad range and 404 for an unknown process', async () => {
    const { json } = await setup();
    expect(await json('/api/v1/processes/web/metrics?step=soon')).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument' },
    });
    expect(await json('/api/v1/processes/web/metrics?from=tomorrow')).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument', error: expect.stringContaining('invalid from') },
    });
    expect(await json('/api/v1/processes/nope/metrics')).toMatchObject({
      status: 404,
      body: { code: 'process_not_found' },
    });
    expect(await json('/api/v1/metrics/host?from=-1h&to=-2h')).toMatchObject({ status: 400 });
  });

  it('GET /api/v1/metrics/host answers the host and the daemon', async () => {
    const { metrics, json } = await setup();
    metrics.publish(metricsTick([]));
    const answer = await json('/api/v1/metrics/host');
    expect(answer.body).toMatchObject({
      current: { cores: 2, disk_used: 60 * 1024 ** 3 },
      daemon: { active_handles: 9 },
      step: '15s',
    });
  });

  it('GET /metrics answers the Prometheus text, 404 when turned off, viewer role when auth is on', async () => {
    const on = await setup();
    const text = await on.call('/metrics');
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text.body).toBe(on.metrics.prometheusText);

    const off = await setup({ prometheus: false });
    const refused = await off.call('/metrics');
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'not_found' });

    const guarded = await setup({ auth: true });
    expect((await guarded.call('/metrics')).status).toBe(401);
    expect((await guarded.call('/metrics', { authorization: `Bearer ${VIEWER_KEY}` })).status).toBe(
      200,
    );
  });
});
