import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../shared/index.js';
import { ipv6Bytes, planSubjectNames } from './subject-names.js';

describe('ipv6Bytes', () => {
  it.each([
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['1::', '00010000000000000000000000000000'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['2001:db8::ff00:42:8329', '20010db8000000000000ff0000428329'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['64:ff9b::10.0.0.1', '0064ff9b00000000000000000a000001'],
  ])('%s', (text, expected) => {
    expect(ipv6Bytes(text).toString('hex')).toBe(expected);
  });
});

describe('planSubjectNames', () => {
  it('splits names from IPs, adds the hostname and drops duplicates case-insensitively', () => {
    const names = planSubjectNames(
      { hosts: ['LocalHost', 'localhost', '127.0.0.1', '127.0.0.1', '::1', '0:0::1', '[::1]'] },
      'LOCALHOST',
    );
    expect(names.dnsNames).toEqual(['localhost']);
    expect(names.ipAddresses.map((ip) => ip.bytes.toString('hex'))).toEqual([
      '7f000001',
      '00000000000000000000000000000001',
    ]);
  });

  it('always includes the hostname, after the configured names', () => {
    const names = planSubjectNames({ hosts: ['api.example.com', '10.0.0.1'] }, 'Build-Box');
    expect(names.dnsNames).toEqual(['api.example.com', 'build-box']);
  });

  it('keeps wildcards, writes international names in punycode and drops a zone id', () => {
    const names = planSubjectNames({ hosts: ['*.example.com', 'bücher.de', 'fe80::1%eth0'] }, 'h');
    expect(names.dnsNames).toEqual(['*.example.com', 'xn--bcher-kva.de', 'h']);
    expect(names.ipAddresses.map((ip) => ip.text)).toEqual(['fe80::1']);
  });

  it('takes the CN from common_name, else the first configured name, else "gowinproc"', () => {
    expect(planSubjectNames({ hosts: ['a.test'], common_name: 'svc' }, 'h').commonName).toBe('svc');
    expect(planSubjectNames({ hosts: ['10.0.0.1', 'b.test', 'a.test'] }, 'h').commonName).toBe(
      'b.test',
    );
    expect(planSubjectNames({ hosts: ['10.0.0.1'] }, 'h').commonName).toBe('gowinproc');
    expect(planSubjectNames({ hosts: [], common_name: '  ' }, 'h').commonName).toBe('gowinproc');
  });

  it('rejects a configured host that is neither a name nor an IP, naming the option', () => {
    let error: unknown;
    try {
      planSubjectNames({ hosts: ['bad host'] }, 'h');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DaemonError);
    expect((error as DaemonError).code).toBe('config_invalid');
    expect((error as DaemonError).message).toMatch(/certificates\.hosts.*"bad host"/);
    // A shorthand IPv4 ("1.2.3") is not a host name either.
    expect(() => planSubjectNames({ hosts: ['1.2.3'] }, 'h')).toThrow(/certificates\.hosts/);
  });

  it('skips an unusable machine hostname instead of failing', () => {
    expect(planSubjectNames({ hosts: ['localhost'] }, 'bad host').dnsNames).toEqual(['localhost']);
    expect(planSubjectNames({ hosts: [] }, '').dnsNames).toEqual([]);
  });
});
