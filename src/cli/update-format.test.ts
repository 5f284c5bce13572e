import { describe, expect, it } from 'vitest';
import type { ProcessVersionView, UpdateStatusView } from '../app/index.js';
import { completedText, unsuccessfulText, versionsText } from './update-format.js';

const update: UpdateStatusView = {
  update_id: 'u-9',
  process_name: 'api',
  status: 'downloading',
  progress: 30,
  message: 'downloading api.zip',
  timestamp: 5_000,
  kind: 'update',
  from_version: '',
  to_version: 'v2',
  strategy: 'immediate',
  started_at: 1_000,
};

describe('update text', () => {
  it('shows a process without releases, the latest error and a running update', () => {
    const view: ProcessVersionView = {
      process: 'api',
      current_version: '',
      previous_version: '',
      latest_version: '',
      update_available: false,
      latest_error: { code: 'github_rate_limited', message: 'rate limited until 10:00' },
      repository: 'acme/api',
      instances: [],
      history: [],
      update_status: update,
    };
    expect(versionsText(view)).toBe(
      [
        'api  (acme/api)',
        '  current   - (runs binary_path)',
        '  previous  -',
        '  latest    unknown (rate limited until 10:00)',
        '  update    v2: downloading 30% (u-9)',
        '',
        'no instance running',
        '',
        'no release installed yet',
      ].join('\n'),
    );
    // A finished update is history, not news.
    expect(
      versionsText({ ...view, update_status: { ...update, status: 'completed' } }),
    ).not.toContain('u-9');
  });

  it('marks a pruned release as removed', () => {
    const text = versionsText({
      process: 'api',
      current_version: 'v2',
      previous_version: 'v1',
      latest_version: 'v3',
      update_available: true,
      repository: null,
      instances: [{ id: 'api-0-x', version: '', uptime: 3 }],
      history: [
        {
          version: 'v0',
          installed_at: '2026-01-01T00:00:00.000Z',
          active: false,
          previous: false,
          installed: false,
          asset: 'api.zip',
          sha256: '',
          verified: true,
        },
      ],
    });
    expect(text).toContain('api  (no repository)\n');
    expect(text).toContain('  latest    v3  update available\n');
    expect(text).toMatch(/\napi-0-x\s+binary_path\s+3s\n/);
    expect(text).toMatch(/\nv0\s+2026-01-01 00:00:00\s+removed\s+sha256\s+api\.zip$/);
  });

  it('says how an update ended', () => {
    expect(completedText({ ...update, status: 'completed', ended_at: 3_500 })).toBe(
      'api: update binary_path → v2 completed in 2.5s',
    );
    expect(
      unsuccessfulText({
        ...update,
        status: 'failed',
        message: 'download failed',
        error: { code: 'checksum_mismatch', message: 'the SHA-256 of api.zip does not match' },
      }),
    ).toBe('api: update to v2 failed: download failed (the SHA-256 of api.zip does not match)');
    expect(unsuccessfulText(update)).toBe(
      'api: update to v2 has not ended (downloading: downloading api.zip); the stream of its status closed early',
    );
  });
});
