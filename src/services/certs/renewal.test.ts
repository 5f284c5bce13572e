import { describe, expect, it } from 'vitest';
import { decideRenewal } from './renewal.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 0, 1);

describe('decideRenewal', () => {
  it('keeps a certificate outside the renewal window', () => {
    const decision = decideRenewal({ notAfter: NOW + 31 * DAY, now: NOW, renewBeforeDays: 30 });
    expect(decision).toEqual({
      renew: false,
      dueAt: NOW + DAY,
      reason: `valid until ${new Date(NOW + 31 * DAY).toISOString()}`,
    });
  });

  it('renews once the window opens, and after expiry', () => {
    const notAfter = NOW + 30 * DAY;
    const due = decideRenewal({ notAfter, now: NOW, renewBeforeDays: 30 });
    expect(due.renew).toBe(true);
    expect(due.reason).toMatch(/^expires on .* within 30 days \(renew_before_days\)$/);
    expect(decideRenewal({ notAfter, now: NOW - 1, renewBeforeDays: 30 }).renew).toBe(false);
    const expired = decideRenewal({ notAfter, now: notAfter, renewBeforeDays: 0 });
    expect(expired.renew).toBe(true);
    expect(expired.reason).toBe(`expired on ${new Date(notAfter).toISOString()}`);
    expect(decideRenewal({ notAfter, now: notAfter - 1, renewBeforeDays: 0 }).renew).toBe(false);
  });

  it('caps the window at half the lifetime, so short-lived certificates are not always due', () => {
    const notBefore = NOW;
    const notAfter = NOW + 7 * DAY;
    const input = { notBefore, notAfter, renewBeforeDays: 30 };
    expect(decideRenewal({ ...input, now: NOW + DAY }).renew).toBe(false);
    const due = decideRenewal({ ...input, now: NOW + 3.5 * DAY });
    expect(due).toMatchObject({ renew: true, dueAt: NOW + 3.5 * DAY });
    expect(due.reason).toMatch(/within 3\.5 days/);
    // Without notBefore the configured window applies as it is.
    expect(decideRenewal({ notAfter, now: NOW, renewBeforeDays: 30 }).renew).toBe(true);
  });
});
