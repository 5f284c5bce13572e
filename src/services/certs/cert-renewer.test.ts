import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { CertificatesConfig, Config } from '../../config/index.js';
import { DaemonError, FakeClock } from '../../shared/index.js';
import { configFromYaml } from '../../../test/helpers/config.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { holdsFor, waitFor } from '../../../test/helpers/wait-for.js';
import { CertRenewer, RETRY_AFTER_FAILURE_MS } from './cert-renewer.js';
import { ensureCertificate } from './cert-store.js';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

function setup(
  certificates = '{ key_type: ecdsa, key_size: 256, validity_days: 2, renew_before_days: 1 }',
) {
  const dir = tempDir();
  const config: Config = configFromYaml(
    dir,
    [
      `certificates: ${certificates}`,
      'processes:',
      ...['api', 'idle', 'plain'].flatMap((name) => [
        `  - name: ${name}`,
        '    binary_path: /bin/true',
        `    certificates: { enabled: ${name !== 'plain'} }`,
      ]),
    ].join('\n'),
  );
  const clock = new FakeClock();
  const renewed: Array<{ name: string; notAfter: number }> = [];
  const errors: Array<{ name: string; error: DaemonError }> = [];
  let settings: CertificatesConfig = config.certificates;
  /** Every check starts by reading the settings. */
  const checks = { count: 0 };
  let onRenewed = (name: string, notAfter: number): void | Promise<void> => {
    renewed.push({ name, notAfter });
  };
  const renewer = new CertRenewer({
    clock,
    dir: config.paths.certs,
    settings: () => {
      checks.count++;
      return settings;
    },
    processes: () => config.processes,
    onRenewed: (name, notAfter) => onRenewed(name, notAfter),
    onError: (name, error) => errors.push({ name, error }),
  });
  onTestFinished(() => renewer.stop());
  const certFile = join(config.paths.certs, 'api.crt');
  return {
    config,
    clock,
    renewer,
    renewed,
    errors,
    certFile,
    checks,
    setSettings: (next: CertificatesConfig) => (settings = next),
    setOnRenewed: (fn: typeof onRenewed) => (onRenewed = fn),
    /** What the `api` process's prestart hook would have written at `now`. */
    issue: (now: number) =>
      ensureCertificate({ dir: config.paths.certs, name: 'api', settings, now }),
    /** Resolves once a check has finished and scheduled the next one. */
    scheduled: () =>
      waitFor(() => clock.pendingTimers === 1 || `${clock.pendingTimers} timers pending`),
  };
}

describe('CertRenewer', () => {
  it('renews a certificate when it falls due and calls onRenewed once per renewal', async () => {
    const t = setup();
    const first = await t.issue(t.clock.now());
    const original = readFileSync(t.certFile, 'utf8');
    t.renewer.start();
    await t.scheduled();
    expect(t.renewed).toEqual([]);

    await t.clock.advance(DAY);
    await waitFor(() => t.renewed.length === 1 || `${t.renewed.length} renewals`);
    expect(t.renewed[0]).toEqual({ name: 'api', notAfter: t.clock.now() + 2 * DAY });
    expect(t.renewed[0]?.notAfter).toBeGreaterThan(first.notAfter);
    expect(readFileSync(t.certFile, 'utf8')).not.toBe(original);
    await t.scheduled();

    // The new certificate (2 days) is due one day after its renewal, not before.
    await t.clock.advance(12 * HOUR);
    await holdsFor(() => t.renewed.length === 1 || `${t.renewed.length} renewals`, 100);
    await t.clock.advance(12 * HOUR);
    await waitFor(() => t.renewed.length === 2 || `${t.renewed.length} renewals`);
    expect(t.errors).toEqual([]);
    // Processes that never got a certificate, or have none enabled, are left alone.
    expect(existsSync(join(t.config.paths.certs, 'idle.crt'))).toBe(false);
    expect(existsSync(join(t.config.paths.certs, 'plain.crt'))).toBe(false);
  });

  it('checks at least once a day while nothing is due', async () => {
    const t = setup('{ key_type: ecdsa, key_size: 256, validity_days: 30, renew_before_days: 5 }');
    await t.issue(t.clock.now());
    t.renewer.start();
    await t.scheduled();
    expect(t.checks.count).toBe(1);
    for (let day = 1; day < 25; day++) {
      await t.clock.advance(DAY);
      await t.scheduled();
      expect(t.checks.count).toBe(day + 1);
    }
    expect(t.renewed).toEqual([]);
    await t.clock.advance(DAY);
    await waitFor(() => t.renewed.length === 1 || `${t.renewed.length} renewals`);
  });

  it('renews a certificate already due at start', async () => {
    const t = setup();
    await t.issue(t.clock.now() - 1.5 * DAY);
    t.renewer.start();
    await waitFor(() => t.renewed.length === 1 || 'no renewal yet');
    expect(t.renewed[0]?.name).toBe('api');
  });

  it('stop() cancels the timer: no check runs afterwards', async () => {
    const t = setup();
    await t.issue(t.clock.now());
    t.renewer.start();
    await t.scheduled();
    t.renewer.stop();
    expect(t.clock.pendingTimers).toBe(0);
    await t.clock.advance(5 * DAY);
    await holdsFor(() => t.renewed.length === 0 || 'renewed after stop', 100);
  });

  it('a check running when stop() is called neither calls onRenewed nor reschedules', async () => {
    const t = setup();
    await t.issue(t.clock.now() - 1.5 * DAY);
    const before = readFileSync(t.certFile, 'utf8');
    t.renewer.start();
    t.renewer.stop();
    await waitFor(() => readFileSync(t.certFile, 'utf8') !== before || 'not regenerated yet');
    await holdsFor(
      () =>
        (t.renewed.length === 0 && t.clock.pendingTimers === 0) ||
        `${t.renewed.length} renewals, ${t.clock.pendingTimers} timers`,
      150,
    );
  });

  it('reports failures by process and retries within the hour', async () => {
    const t = setup();
    await t.issue(t.clock.now() - 1.5 * DAY);
    t.setOnRenewed(() => Promise.reject(new Error('restart refused')));
    t.renewer.start();
    await waitFor(() => t.errors.length === 1 || 'no error yet');
    expect(t.errors[0]?.name).toBe('api');
    expect(t.errors[0]?.error).toBeInstanceOf(DaemonError);
    expect(t.errors[0]?.error.message).toBe('restart refused');

    t.setSettings({ ...t.config.certificates, key_size: 300 });
    await t.scheduled();
    await t.clock.advance(RETRY_AFTER_FAILURE_MS);
    await waitFor(() => t.errors.length === 2 || `${t.errors.length} errors`);
    expect(t.errors[1]?.error).toMatchObject({ code: 'config_invalid' });
  });

  it('leaves operator-managed certificates (auto_generate false) alone', async () => {
    const t = setup(
      '{ auto_generate: false, key_type: ecdsa, key_size: 256, validity_days: 2, renew_before_days: 1 }',
    );
    await t.issue(t.clock.now() - 1.5 * DAY);
    const before = readFileSync(t.certFile, 'utf8');
    t.renewer.start();
    await t.scheduled();
    expect(t.renewed).toEqual([]);
    expect(readFileSync(t.certFile, 'utf8')).toBe(before);
  });
});
