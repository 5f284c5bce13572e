import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import type { InstanceView, ProcessDetail } from '../../app/index.js';
import {
  eventMessage,
  instanceMessage,
  processInfoMessage,
  type SupervisorEvent,
} from './proto-views.js';

const stopped: InstanceView = {
  id: 'web-0-abc',
  index: 0,
  process_name: 'web',
  pid: null,
  status: 'stopped',
  port: null,
  start_time: null,
  uptime_seconds: null,
  restarts: 2,
  version: null,
};

describe('proto views', () => {
  it('writes "none" as 0 and times as unix seconds', () => {
    expect(instanceMessage(stopped, '')).toEqual({
      id: 'web-0-abc',
      processName: 'web',
      pid: 0,
      status: 'stopped',
      startTime: 0n,
      port: 0,
      envFilePath: '',
    });
    const running = { ...stopped, pid: 42, port: 5001, status: 'healthy' as const };
    running.start_time = '2026-01-02T03:04:05.678Z';
    expect(instanceMessage(running, '/data/web.env')).toMatchObject({
      pid: 42,
      port: 5001,
      startTime: BigInt(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000),
      envFilePath: '/data/web.env',
    });
  });

  it('maps instance, process and daemon events', () => {
    const state = {
      seq: 7,
      at: 1_700_000_000_123,
      process: 'web',
      type: 'instance.state',
      instance: 'web-1-def',
      index: 1,
      from: 'starting',
      to: 'running',
    } as SupervisorEvent;
    expect(eventMessage(state)).toEqual({
      seq: 7n,
      at: 1_700_000_000_123n,
      type: 'instance.state',
      processName: 'web',
      instanceId: 'web-1-def',
      instanceIndex: 1,
      json: JSON.stringify(state),
    });
    const daemon = {
      seq: 8,
      at: 1,
      process: '',
      type: 'daemon.warning',
      message: 'careful',
    } as SupervisorEvent;
    expect(eventMessage(daemon)).toMatchObject({
      processName: '',
      instanceId: '',
      instanceIndex: 0,
    });
  });

  it('leaves the config out when the process is no longer configured (a reload removed it)', () => {
    const config = configFromYaml(tempDir(), 'processes: []\n');
    const detail = {
      name: 'gone',
      instance_count: 0,
      instances: [stopped],
    } as unknown as ProcessDetail;
    const info = processInfoMessage(detail, config);
    expect(info.config).toBeUndefined();
    expect(info.instances?.[0]).toMatchObject({ envFilePath: '' });
  });
});
