/**
 * The dashboard end to end in a real browser: Debian's chromium (playwright-core, headless)
 * against the built daemon serving web/dist, managing real fixture processes. An operator signs
 * in with an API key (a wrong one is refused first), sees the processes' state change live (no
 * reload), stops, starts and scales instances, reads logs and watches a live chart move; a viewer
 * sees no action buttons; an update published on the fake GitHub is listed and runs with
 * progress; the load balancer, tunnel (none configured) and registry screens show what the daemon
 * has. Every screen is photographed in the light and the dark theme into test/e2e/screenshots/.
 *
 * Queries go through roles and labels (getByRole/getByLabel), so a screen that loses a label or
 * a role fails here, as it would for a screen reader.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGithub } from '../fakes/github.js';
import {
  launchBrowser,
  openDashboard,
  recordAttribute,
  screenshot,
  screenshotBothThemes,
} from '../helpers/browser.js';
import { portRange, startDaemon, writeConfig, type DaemonProcess } from '../helpers/daemon.js';
import { ECHO_REPO, echoProcessYaml, publishEcho } from '../helpers/echo-releases.js';
import { fixture, ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const OPERATOR_KEY = 'operator-key-0123456789abcdef';
const VIEWER_KEY = 'viewer-key-0123456789abcdef';

/** The http-service fixture as process `web` (HTTP health checks), for the `processes:` list. */
function webProcessYaml(instances = 2): string {
  return `  - name: web
    binary_path: ${process.execPath}
    args: [${fixture('http-service.mjs')}]
    instances: ${instances}
    max_instances: 4
    port_range: ${portRange()}
    secrets: { enabled: false }
    health_check: { type: http, endpoint: /health, interval: 200ms, start_period: 10s }
    stop: { timeout: 5s }
`;
}

async function webDaemon(options: { auth?: boolean } = {}): Promise<DaemonProcess> {
  const dir = tempDir();
  const auth = options.auth
    ? `  auth:
    api_keys:
      - { name: ops, key: ${OPERATOR_KEY}, role: operator }
      - { name: watcher, key: ${VIEWER_KEY}, role: viewer }
`
    : '';
  const daemon = await startDaemon(
    dir,
    writeConfig(
      dir,
      `server:
  port: 0
  grpc_port: 0
${auth}metrics: { interval: 250ms }
processes:
${webProcessYaml()}`,
    ),
  );
  await waitForInstances(daemon, 'web', 2, options.auth ? OPERATOR_KEY : undefined);
  return daemon;
}

/** A REST call with an API key (DaemonProcess.api sends none). */
async function api<T>(
  daemon: DaemonProcess,
  method: string,
  path: string,
  key?: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${daemon.url}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

interface InstanceView {
  id: string;
  status: string;
}

async function instancesOf(daemon: DaemonProcess, name: string, key?: string) {
  return (await api<{ instances: InstanceView[] }>(daemon, 'GET', `/api/v1/processes/${name}`, key))
    .instances;
}

async function waitForInstances(
  daemon: DaemonProcess,
  name: string,
  count: number,
  key?: string,
): Promise<InstanceView[]> {
  let instances: InstanceView[] = [];
  await waitFor(
    async () => {
      instances = await instancesOf(daemon, name, key);
      return (
        (instances.length === count && instances.every((i) => i.status === 'healthy')) ||
        JSON.stringify(instances.map((i) => i.status))
      );
    },
    { timeoutMs: 20_000 },
  );
  return instances;
}

/** Polls the DOM until `check` holds (the page changes on its own: live events, no reload). */
function waitForPage(check: () => Promise<true | string>, timeoutMs = 15_000): Promise<void> {
  return waitFor(check, { timeoutMs, intervalMs: 50 });
}

/** The state badges (StateBadge: data-state) inside `scope`, in document order. */
async function statesIn(scope: Locator): Promise<string[]> {
  return scope
    .locator('[data-state]')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state') ?? ''));
}

/**
 * Clicks an action button (ConfirmAction), confirms in its dialog, and waits until the request
 * has ended: the button is busy while it runs, then shows its outcome ("done" or the error). The
 * button may go away instead (the row of a stopped instance; the actions redrawn for a new
 * instance count), which also means the request ended.
 */
async function confirmAction(
  page: Page,
  button: Locator,
  fill?: (dialog: Locator) => Promise<void>,
): Promise<void> {
  await button.click();
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor({ state: 'visible' });
  if (fill) await fill(dialog);
  await dialog.locator('button[type="submit"]').click();
  await dialog.waitFor({ state: 'hidden' });
  let failure: string | null = null;
  await waitForPage(async () => {
    if ((await button.count()) === 0) return true;
    const outcome = button.locator('xpath=..').locator('.outcome');
    const text = (await outcome.count()) > 0 ? await outcome.textContent({ timeout: 1_000 }) : null;
    if (text !== null && text !== 'done') {
      failure = text;
      return true;
    }
    return (await button.getAttribute('aria-busy', { timeout: 1_000 })) !== 'true' || 'busy';
  }, 30_000);
  expect(failure, 'the action failed').toBeNull();
}

async function signIn(page: Page, key: string): Promise<void> {
  const field = page.getByLabel('API key');
  await field.fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Action buttons an operator has and a viewer must not see. */
const ACTIONS = /^(start|stop|restart|scale|update|roll back|reload|shut down)/i;

describe('the dashboard in a real browser', () => {
  it('signs in with an API key (refusing a wrong one), shows live process state, and shows a viewer no action buttons', async () => {
    const daemon = await webDaemon({ auth: true });
    const browser = await launchBrowser();

    // A wrong key: the login screen says the daemon refused it.
    const { page, pageErrors } = await openDashboard(browser, daemon.url);
    await screenshot(page, 'login');
    await signIn(page, 'not-a-key-0123456789abcdef');
    const refused = page.getByRole('alert');
    await refused.waitFor({ state: 'visible' });
    expect(await refused.textContent()).toContain('refused');
    await screenshot(page, 'login-refused');

    // The operator's key: the shell with the role, the processes with their state.
    await signIn(page, OPERATOR_KEY);
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'visible' });
    await page.getByText('ops · operator').waitFor({ state: 'visible' });
    const live = page.getByRole('status').filter({ hasText: /^live$/ });
    await live.waitFor({ state: 'visible' });
    const webLink = page.getByRole('link', { name: 'web', exact: true });
    await webLink.first().waitFor({ state: 'visible' });
    const webRow = page.getByRole('row').filter({ has: webLink });
    await waitForPage(async () => {
      const states = await statesIn(webRow);
      return states.includes('healthy') || `web row states: ${states.join(', ')}`;
    });
    await screenshotBothThemes(page, 'overview');

    // Live state: stopping and starting `web` behind the page's back changes its badge.
    await api(daemon, 'POST', '/api/v1/processes/web/stop', OPERATOR_KEY, {});
    await waitForPage(async () => {
      const states = await statesIn(webRow);
      return states.includes('stopped') || `web row states: ${states.join(', ')}`;
    });
    await api(daemon, 'POST', '/api/v1/processes/web/start', OPERATOR_KEY, {});
    await waitForPage(async () => {
      const states = await statesIn(webRow);
      return states.includes('healthy') || `web row states: ${states.join(', ')}`;
    });
    // The operator sees actions on the process screen.
    await webLink.first().click();
    await page.getByRole('heading', { name: /web/ }).first().waitFor({ state: 'visible' });
    await page.getByRole('button', { name: ACTIONS }).first().waitFor({ state: 'visible' });
    expect(pageErrors).toEqual([]);

    // A viewer: the same screens, without one action button.
    const viewer = await openDashboard(browser, daemon.url, { path: '/processes/web' });
    await signIn(viewer.page, VIEWER_KEY);
    await viewer.page.getByText('watcher · viewer').waitFor({ state: 'visible' });
    await viewer.page
      .getByRole('table', { name: /instances/i })
      .getByRole('row')
      .nth(1)
      .waitFor({ state: 'visible' });
    expect(await viewer.page.getByRole('button', { name: ACTIONS }).count()).toBe(0);
    await screenshot(viewer.page, 'process-viewer');
    await viewer.page.getByRole('link', { name: 'Overview' }).click();
    await viewer.page.getByRole('link', { name: 'web', exact: true }).first().waitFor();
    expect(await viewer.page.getByRole('button', { name: ACTIONS }).count()).toBe(0);
    expect(viewer.pageErrors).toEqual([]);
  }, 120_000);

  it('stops, starts and scales instances from the process screen, reads and searches its logs, and draws a moving live chart', async () => {
    const daemon = await webDaemon();
    const browser = await launchBrowser();
    const { page, pageErrors } = await openDashboard(browser, daemon.url, {
      path: '/processes/web',
    });
    const instances = page.getByRole('table', { name: /instances/i });
    const rows = instances.getByRole('row');
    const healthyRows = async (count: number): Promise<true | string> => {
      const states = await statesIn(instances);
      return (
        (states.length === count && states.every((s) => s === 'healthy')) ||
        `instance states: ${states.join(', ')}`
      );
    };
    await waitForPage(() => healthyRows(2));

    // Stop one instance: its row goes; the other keeps running.
    const [first, second] = await instancesOf(daemon, 'web');
    const firstRow = rows.filter({ hasText: first!.id });
    await confirmAction(page, firstRow.getByRole('button', { name: /^Stop #/ }));
    await waitForPage(async () => (await firstRow.count()) === 0 || 'the stopped row is shown');
    await waitForPage(() => healthyRows(1));
    expect((await instancesOf(daemon, 'web')).map((i) => i.id)).toEqual([second!.id]);

    // Start one: a new row appears and becomes healthy, without a reload.
    await confirmAction(page, page.getByRole('button', { name: 'Start one more' }));
    await waitForPage(() => healthyRows(2));

    // Scale to 3 with the number field in the scale dialog.
    await confirmAction(page, page.getByRole('button', { name: 'Scale', exact: true }), (dialog) =>
      dialog.getByRole('spinbutton').fill('3'),
    );
    await waitForPage(() => healthyRows(3), 20_000);
    expect(await instancesOf(daemon, 'web')).toHaveLength(3);

    // The live chart moves: its newest sample time advances between two moments.
    const liveChart = page.locator('figure[data-chart*="live"]').first();
    await liveChart.waitFor({ state: 'visible' });
    expect(await liveChart.locator('canvas').count()).toBeGreaterThan(0);
    const lastOf = async () => Number(await liveChart.getAttribute('data-last'));
    await waitForPage(async () => (await lastOf()) > 0 || 'no live sample yet');
    const before = await lastOf();
    const pointsBefore = Number(await liveChart.getAttribute('data-points'));
    await waitForPage(async () => (await lastOf()) > before || `still at ${before}`);
    expect(Number(await liveChart.getAttribute('data-points'))).toBeGreaterThanOrEqual(
      pointsBefore,
    );

    // Logs: every instance printed "ready <port>"; the search box filters lines.
    const log = page.getByRole('log', { name: 'Log lines' });
    await waitForPage(async () => {
      const text = (await log.textContent()) ?? '';
      return /ready \d+/.test(text) || `log: ${text.slice(0, 200)}`;
    });
    await page.getByRole('searchbox', { name: 'Search' }).fill('got SIGTERM');
    await waitForPage(async () => {
      const text = (await log.textContent()) ?? '';
      return (text.includes('got SIGTERM') && !/ready \d+/.test(text)) || `log: ${text}`;
    });
    await page.getByRole('searchbox', { name: 'Search' }).fill('');

    await screenshotBothThemes(page, 'process');
    const narrow = await openDashboard(browser, daemon.url, { width: 390, height: 844 });
    await narrow.page.getByRole('link', { name: 'web', exact: true }).first().waitFor();
    // A few host samples first, so the narrow screenshot shows a line rather than a dot.
    const hostChart = narrow.page.locator('figure[data-chart="host-live"]');
    await waitForPage(async () => {
      const points = Number(await hostChart.getAttribute('data-points', { timeout: 1_000 }));
      return points >= 4 || `${points} host samples`;
    });
    await screenshot(narrow.page, 'overview-narrow');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('lists an update published on GitHub and runs it with visible progress to completion', async () => {
    const dir = tempDir();
    const github = await startFakeGithub();
    onTestFinished(() => github.close());
    await publishEcho(github, ECHO_REPO, 'v1', { body: 'First release: **faster** echoes' });
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `server: { port: 0, grpc_port: 0 }
github:
  api_url: ${github.apiUrl}
processes:
${echoProcessYaml({ instances: 2, binaryPath: fixture('echo-service.mjs') })}`,
      ),
    );
    await waitForInstances(daemon, 'echo', 2);
    const browser = await launchBrowser();
    const { page, pageErrors } = await openDashboard(browser, daemon.url, { path: '/updates' });
    const card = page.getByRole('region', { name: 'echo' });
    await card.getByText('update available').waitFor({ state: 'visible' });
    await card.getByText('Release notes of v1').click();
    expect(await card.locator('pre').textContent()).toBe('First release: **faster** echoes');
    await screenshotBothThemes(page, 'updates');

    // Every phase the progress shows (React may render several in one frame).
    const phases = await recordAttribute(page, 'data-phase');
    await confirmAction(page, card.getByRole('button', { name: 'Update echo' }), (dialog) =>
      dialog
        .getByLabel('Strategy')
        .selectOption('rolling')
        .then(() => undefined),
    );
    const progress = card.getByRole('progressbar', { name: 'Update progress of echo' });
    await progress.waitFor({ state: 'visible' });
    await waitForPage(
      async () =>
        (await card.locator('[data-phase]').getAttribute('data-phase')) === 'completed' ||
        `phase ${await card.locator('[data-phase]').getAttribute('data-phase')}`,
      60_000,
    );
    expect(await progress.getAttribute('value')).toBe('100');
    const seen = await phases();
    expect(seen.at(-1)).toBe('completed');
    // Progress was visible on the way, not only the outcome.
    const between = seen.filter((p) => p !== 'pending' && p !== 'completed');
    expect(between.length, seen.join(' > ')).toBeGreaterThan(0);
    await card.getByText('up to date').waitFor({ state: 'visible' });
    expect(
      (await instancesOf(daemon, 'echo')).every(
        (i) => (i as { version?: string }).version === 'v1',
      ),
    ).toBe(true);
    await screenshotBothThemes(page, 'updates-completed');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('shows the load balancer with its backends, the tunnel screen without a tunnel, and the registry with an invocation', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `server: { port: 0, grpc_port: 0 }
metrics: { interval: 250ms }
processes:
  - name: demo
    binary_path: ${process.execPath}
    args: [${join(ROOT, 'examples', 'demo-service', 'server.mjs')}]
    instances: 2
    port_range: ${portRange()}
    secrets: { enabled: false }
    health_check: { type: grpc, interval: 200ms }
load_balancers:
  - name: lb
    listen_port: 0
    routes:
      - methods: [".*"]
        target_processes: [demo]
        strategy: round_robin
`,
      ),
    );
    await waitForInstances(daemon, 'demo', 2);
    const browser = await launchBrowser();
    const { page, pageErrors } = await openDashboard(browser, daemon.url, {
      path: '/balancers',
    });

    // Load balancers: lb, its route's strategy, and both demo instances as its backends.
    const balancer = page.getByRole('region', { name: 'Balancer lb' });
    await balancer
      .getByRole('table', { name: 'Routes of lb' })
      .getByText('round_robin')
      .waitFor({ state: 'visible' });
    const backends = balancer.getByRole('table', { name: 'Backends of lb' });
    const ids = (await instancesOf(daemon, 'demo')).map((i) => i.id);
    await waitForPage(async () => {
      const text = (await backends.count()) > 0 ? ((await backends.textContent()) ?? '') : '';
      return ids.every((id) => text.includes(id)) || `backends shown: ${text.slice(0, 200)}`;
    });
    await screenshotBothThemes(page, 'balancers');

    // Tunnel: none configured, and the screen says how to enable one.
    await page.getByRole('link', { name: 'Tunnel' }).click();
    await page.getByText('The Cloudflare tunnel is off').waitFor({ state: 'visible' });
    await page.getByText('tunnel.enabled: true').waitFor({ state: 'visible' });
    await screenshotBothThemes(page, 'tunnel');

    // Registry: demo.Greeter/SayHello by reflection, invoked with the JSON editor (bad JSON is
    // refused before anything is sent).
    await page.getByRole('link', { name: 'Registry' }).click();
    const methods = page.getByRole('table', { name: 'Methods of demo.Greeter' });
    await methods.getByText('SayHello').waitFor({ state: 'visible' });
    await screenshotBothThemes(page, 'registry');
    await page.getByRole('button', { name: 'Use demo.Greeter/SayHello of demo' }).click();
    const editor = page.getByLabel(/^Request \(JSON\)/);
    await editor.fill('{"name": ');
    await page.getByText(/^Not valid JSON/).waitFor({ state: 'visible' });
    expect(await page.getByRole('button', { name: 'Invoke', exact: true }).isDisabled()).toBe(true);
    await editor.fill('{"name": "browser"}');
    await confirmAction(page, page.getByRole('button', { name: 'Invoke', exact: true }));
    const response = page.getByLabel('Response');
    await response.waitFor({ state: 'visible' });
    expect(await response.textContent()).toContain('Hello, browser!');
    await screenshot(page, 'registry-invoked');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
