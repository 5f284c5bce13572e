import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../config/index.js';
import type { HookEventBody, PrestartContext, ServiceEventBody } from '../../core/index.js';
import { DaemonError, FakeClock } from '../../shared/index.js';
import { configFromYaml } from '../../../test/helpers/config.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { ensureCertificate } from './cert-store.js';
import { createCertificatesHook } from './certs.hook.js';

const DAY = 24 * 60 * 60 * 1000;

function setup(certificates = '{ key_type: ecdsa, key_size: 256 }') {
  const dir = tempDir();
  const config: Config = configFromYaml(
    dir,
    [
      `certificates: ${certificates}`,
      'processes:',
      '  - name: api',
      '    binary_path: /bin/true',
      '    certificates: { enabled: true }',
      '  - name: plain',
      '    binary_path: /bin/true',
    ].join('\n'),
  );
  const clock = new FakeClock();
  const reported: Array<{ process: string; body: ServiceEventBody }> = [];
  const hook = createCertificatesHook({
    dir: config.paths.certs,
    settings: () => config.certificates,
    clock,
    report: (process, body) => reported.push({ process, body }),
  });
  return { dir, config, clock, hook, reported };
}

function context(config: Config, name: string, index = 0) {
  const process = config.processes.find((p) => p.name === name);
  if (!process) throw new Error(`no process ${name}`);
  const instanceEvents: HookEventBody[] = [];
  const ctx: PrestartContext = {
    process,
    id: `${name}-${index}`,
    index,
    port: 5000 + index,
    dotenv: {},
    inject: {},
    command: process.binary_path,
    version: undefined,
    report: (body) => instanceEvents.push(body),
  };
  return { ctx, instanceEvents };
}

describe('certificates hook', () => {
  it('is named "certificates"', () => {
    expect(setup().hook.name).toBe('certificates');
  });

  it('generates the files and injects their absolute paths as CERT_FILE and KEY_FILE', async () => {
    const { config, hook, reported } = setup();
    const { ctx } = context(config, 'api');
    await hook.prestart?.(ctx);
    expect(ctx.inject).toEqual({
      CERT_FILE: join(config.paths.certs, 'api.crt'),
      KEY_FILE: join(config.paths.certs, 'api.key'),
    });
    expect(isAbsolute(ctx.inject.CERT_FILE ?? '')).toBe(true);
    const cert = new X509Certificate(readFileSync(ctx.inject.CERT_FILE ?? ''));
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      process: 'api',
      body: { type: 'process.certificate', action: 'generated', file: ctx.inject.CERT_FILE },
    });
    expect(JSON.stringify(reported)).not.toContain('PRIVATE KEY');
  });

  it('gives every instance the same files, generated once even when they start together', async () => {
    const { config, hook, reported } = setup();
    const contexts = [0, 1, 2].map((index) => context(config, 'api', index).ctx);
    await Promise.all(contexts.map((ctx) => hook.prestart?.(ctx)));
    expect(new Set(contexts.map((ctx) => ctx.inject.CERT_FILE)).size).toBe(1);
    expect(reported).toHaveLength(1);
    const later = context(config, 'api', 3).ctx;
    await hook.prestart?.(later);
    expect(later.inject.CERT_FILE).toBe(contexts[0]?.inject.CERT_FILE);
    expect(reported).toHaveLength(1);
  });

  it('does nothing for a process without certificates.enabled', async () => {
    const { config, hook, reported } = setup();
    const { ctx } = context(config, 'plain');
    await hook.prestart?.(ctx);
    expect(ctx.inject).toEqual({});
    expect(existsSync(join(config.paths.certs, 'plain.crt'))).toBe(false);
    expect(reported).toEqual([]);
  });

  it('leaves a due certificate to the renewer, and replaces an expired one at the next start', async () => {
    const { config, clock, hook, reported } = setup(
      '{ key_type: ecdsa, key_size: 256, validity_days: 10, renew_before_days: 3 }',
    );
    await hook.prestart?.(context(config, 'api').ctx);
    await clock.advance(8 * DAY); // due (within 3 days) but valid: siblings keep the same files
    await hook.prestart?.(context(config, 'api').ctx);
    expect(reported).toHaveLength(1);
    await clock.advance(3 * DAY); // expired: no instance may start with it
    await hook.prestart?.(context(config, 'api').ctx);
    expect(reported).toHaveLength(2);
    expect(reported[1]?.body).toMatchObject({ notAfter: clock.now() + 10 * DAY });
  });

  describe('with auto_generate false', () => {
    const manual =
      '{ auto_generate: false, key_type: ecdsa, key_size: 256, renew_before_days: 30 }';

    it('fails naming the missing file', async () => {
      const { config, hook } = setup(manual);
      const { ctx } = context(config, 'api');
      const attempt = hook.prestart?.(ctx);
      await expect(attempt).rejects.toBeInstanceOf(DaemonError);
      await expect(attempt).rejects.toMatchObject({
        code: 'hook_failed',
        message: expect.stringContaining(join(config.paths.certs, 'api.crt')),
      });
      expect(ctx.inject).toEqual({});
      expect(existsSync(join(config.paths.certs, 'api.crt'))).toBe(false);
    });

    it('uses files the operator put there, and warns when they are due', async () => {
      const { config, clock, hook, reported } = setup(manual);
      await ensureCertificate({
        dir: config.paths.certs,
        name: 'api',
        settings: { ...config.certificates, validity_days: 20 },
        now: clock.now(),
      });
      const fresh = context(config, 'api');
      await hook.prestart?.(fresh.ctx);
      expect(fresh.ctx.inject.KEY_FILE).toBe(join(config.paths.certs, 'api.key'));
      expect(reported).toEqual([]);
      // Within renew_before_days (30) of its end: a warning, never a regeneration.
      expect(fresh.instanceEvents).toEqual([
        {
          type: 'instance.warning',
          message: expect.stringMatching(/api\.crt expires on .*auto_generate is false/),
        },
      ]);
    });
  });
});
