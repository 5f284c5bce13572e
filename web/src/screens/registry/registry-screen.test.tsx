import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeApi, type FakeApi } from '../../test/fake-api';
import { renderApp } from '../../test/render';
import { parseRequest, RegistryScreen, requestTemplate, type Registry } from './registry-screen';

const registry: Registry = {
  proxy_base_url: 'http://127.0.0.1:8080',
  available_processes: [
    {
      name: 'demo',
      display_name: 'demo',
      status: 'healthy',
      instances: 2,
      proxy_path: '/api/invoke?process=demo',
      repository: '',
      current_ports: [50061, 50062],
      services: [
        {
          name: 'demo.Greeter',
          methods: [
            { name: 'SayHello', input_type: '.demo.HelloRequest', output_type: '.demo.HelloReply' },
          ],
        },
        {
          name: 'grpc.health.v1.Health',
          methods: [
            {
              name: 'Check',
              input_type: '.grpc.health.v1.HealthCheckRequest',
              output_type: '.grpc.health.v1.HealthCheckResponse',
            },
          ],
        },
      ],
      messages: {
        '.demo.HelloRequest': {
          name: '.demo.HelloRequest',
          fields: [{ name: 'name', type: 'string', repeated: false, number: 1, optional: true }],
        },
        '.demo.HelloReply': {
          name: '.demo.HelloReply',
          fields: [{ name: 'message', type: 'string', repeated: false, number: 1, optional: true }],
        },
        '.grpc.health.v1.HealthCheckRequest': {
          name: '.grpc.health.v1.HealthCheckRequest',
          fields: [{ name: 'service', type: 'string', repeated: false, number: 1, optional: true }],
        },
      },
    },
    {
      name: 'worker',
      display_name: 'worker',
      status: 'stopped',
      instances: 0,
      proxy_path: '/api/invoke?process=worker',
      repository: 'acme/worker',
      current_ports: [],
      services: [],
      messages: {},
    },
  ],
  timestamp: '2026-11-29T02:56:18.357Z',
};

function setup(role: string): FakeApi {
  const api = fakeApi();
  api.on('GET /api/v1/auth/whoami', {
    json: { authenticated: true, auth_required: true, role, name: 'k' },
  });
  api.on('GET /api/registry', { json: registry });
  return api;
}

async function confirmInvoke() {
  const dialog = await screen.findByRole('dialog', { name: 'Invoke' });
  await userEvent.click(within(dialog).getByRole('button', { name: 'Call it' }));
}

describe('the registry screen', () => {
  it('lists services and methods per process; a viewer cannot invoke', async () => {
    setup('viewer');
    renderApp(<RegistryScreen />, '/registry');
    const demo = await screen.findByRole('region', { name: 'Services of demo' });
    const greeter = within(demo).getByRole('table', { name: 'Methods of demo.Greeter' });
    expect(greeter).toHaveTextContent('SayHello');
    expect(greeter).toHaveTextContent('demo.HelloRequest');
    expect(demo).toHaveTextContent('2 ready instances on port 50061, 50062');
    const worker = screen.getByRole('region', { name: 'Services of worker' });
    expect(worker).toHaveTextContent('No instance is ready: start the process');
    expect(screen.queryByRole('button', { name: 'Invoke' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Use / })).toBeNull();
  });

  it('invokes a method with the JSON request and shows the answer', async () => {
    const api = setup('operator');
    api.on('POST /api/invoke', {
      json: { success: true, data: { message: 'Hello, docs!', instanceId: 'demo-0-feba9a' } },
    });
    renderApp(<RegistryScreen />, '/registry');
    const request = await screen.findByLabelText(/Request \(JSON\)/);
    expect(JSON.parse((request as HTMLTextAreaElement).value)).toEqual({ name: '' });
    fireEvent.change(request, { target: { value: '{"name": "docs"}' } });
    await userEvent.click(screen.getByRole('button', { name: 'Invoke' }));
    await confirmInvoke();
    expect(await screen.findByLabelText('Response')).toHaveTextContent('Hello, docs!');
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({
      process: 'demo',
      service: 'demo.Greeter',
      method: 'SayHello',
      data: { name: 'docs' },
    });
  });

  it('refuses invalid JSON with a clear error and no call', async () => {
    const api = setup('operator');
    renderApp(<RegistryScreen />, '/registry');
    const request = await screen.findByLabelText(/Request \(JSON\)/);
    fireEvent.change(request, { target: { value: '{"name": ' } });
    expect(screen.getByRole('alert')).toHaveTextContent('Not valid JSON');
    expect(request).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('button', { name: 'Invoke' })).toBeDisabled();
    fireEvent.change(request, { target: { value: '[1]' } });
    expect(screen.getByRole('alert')).toHaveTextContent('must be a JSON object');
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('picks a method with "Use" and shows a gRPC error answer', async () => {
    const api = setup('operator');
    api.on('POST /api/invoke', { json: { success: false, error: 'NOT_FOUND: unknown service' } });
    renderApp(<RegistryScreen />, '/registry');
    await userEvent.click(
      await screen.findByRole('button', { name: 'Use grpc.health.v1.Health/Check of demo' }),
    );
    expect(screen.getByLabelText('Service')).toHaveValue('grpc.health.v1.Health');
    expect(screen.getByLabelText('Method')).toHaveValue('Check');
    expect(screen.getByLabelText(/Request \(JSON\)/)).toHaveFocus();
    await userEvent.click(screen.getByRole('button', { name: 'Invoke' }));
    await confirmInvoke();
    expect(await screen.findByLabelText('Response')).toHaveTextContent(
      'NOT_FOUND: unknown service',
    );
    expect(screen.getByText(/the method answered NOT_FOUND/)).toBeInTheDocument();
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
        service: 'grpc.health.v1.Health',
        method: 'Check',
        data: { service: '' },
      }),
    );
  });

  it('shows a refused call beside the button', async () => {
    const api = setup('operator');
    api.on('POST /api/invoke', {
      status: 503,
      json: { error: 'process demo has no ready instance to call', code: 'instance_unreachable' },
    });
    renderApp(<RegistryScreen />, '/registry');
    await userEvent.click(await screen.findByRole('button', { name: 'Invoke' }));
    await confirmInvoke();
    expect(
      await screen.findByText(/no ready instance to call \(instance_unreachable\)/),
    ).toBeInTheDocument();
  });

  it('shows the error when the registry cannot be read', async () => {
    const api = setup('viewer');
    api.on('GET /api/registry', { status: 500, json: { error: 'boom', code: 'internal' } });
    renderApp(<RegistryScreen />, '/registry');
    expect(await screen.findByRole('alert')).toHaveTextContent('boom');
  });
});

describe('registry helpers', () => {
  it('builds a request skeleton from the message fields', () => {
    const messages = {
      '.x.Req': {
        name: '.x.Req',
        fields: [
          { name: 'id', type: 'int64', repeated: false, number: 1, optional: true },
          { name: 'tags', type: 'string', repeated: true, number: 2, optional: false },
          { name: 'on', type: 'bool', repeated: false, number: 3, optional: true },
          { name: 'inner', type: '.x.Inner', repeated: false, number: 4, optional: true },
          { name: 'kind', type: '.x.Kind', repeated: false, number: 5, optional: true },
        ],
      },
      '.x.Inner': { name: '.x.Inner', fields: [] },
    };
    expect(requestTemplate(messages, '.x.Req')).toEqual({ id: 0, tags: [], on: false, inner: {} });
    expect(requestTemplate(messages, '.x.Missing')).toEqual({});
  });

  it('parses the request text', () => {
    expect(parseRequest('')).toEqual({ ok: true, value: {} });
    expect(parseRequest('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseRequest('nope').ok).toBe(false);
    expect(parseRequest('null')).toMatchObject({ ok: false });
  });
});
