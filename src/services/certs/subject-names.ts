/**
 * Who a certificate names: the subject's CN and the subjectAltName entries, from
 * `certificates.hosts` plus this machine's hostname. IPs become iPAddress entries (clients check
 * IPs only there), names become dNSName entries in their ASCII (punycode) form.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { CertificatesConfig } from '../../config/index.js';
import { DaemonError } from '../../shared/index.js';

export interface IpAddressName {
  /** As configured, for messages and for `X509Certificate.checkIP`. */
  text: string;
  /** 4 bytes for IPv4, 16 for IPv6, as iPAddress holds them. */
  bytes: Buffer;
}

export interface SubjectNames {
  commonName: string;
  dnsNames: string[];
  ipAddresses: IpAddressName[];
}

export const DEFAULT_COMMON_NAME = 'gowinproc';

export function planSubjectNames(
  settings: Pick<CertificatesConfig, 'common_name' | 'hosts'>,
  hostname: string,
): SubjectNames {
  const dnsNames: string[] = [];
  const ipAddresses: IpAddressName[] = [];
  const add = (host: string, fromConfig: boolean): void => {
    const entry = classifyHost(host);
    if (entry === undefined) {
      if (fromConfig)
        throw new DaemonError(
          'config_invalid',
          `certificates.hosts has "${host}", which is neither an IP address nor a host name`,
          { details: { key: 'certificates.hosts', value: host } },
        );
      return;
    }
    if (typeof entry === 'string') {
      if (!dnsNames.includes(entry)) dnsNames.push(entry);
    } else if (!ipAddresses.some((ip) => ip.bytes.equals(entry.bytes))) {
      ipAddresses.push(entry);
    }
  };
  for (const host of settings.hosts) if (host.trim() !== '') add(host.trim(), true);
  const firstConfiguredName = dnsNames[0];
  // The machine's own name is always a SAN; an odd hostname is skipped rather than fatal.
  if (hostname.trim() !== '') add(hostname.trim(), false);
  const commonName = settings.common_name?.trim() || firstConfiguredName || DEFAULT_COMMON_NAME;
  return { commonName, dnsNames, ipAddresses };
}

/** A lower-case ASCII DNS name, an IP address, or undefined when the text is neither. */
function classifyHost(host: string): string | IpAddressName | undefined {
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const ip = unbracketed.split('%')[0] ?? '';
  if (isIP(ip) === 4) return { text: ip, bytes: ipv4Bytes(ip) };
  if (isIP(ip) === 6) return { text: ip, bytes: ipv6Bytes(ip) };
  const name = domainToASCII(host.endsWith('.') ? host.slice(0, -1) : host);
  // WHATWG parsing turns "1.2.3" into "1.2.0.3": such a short-hand IP is not a name either.
  if (name === '' || isIP(name) !== 0) return undefined;
  return name;
}

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** 16 bytes of an IPv6 address (already validated by isIP), with `::` and a trailing IPv4. */
export function ipv6Bytes(text: string): Buffer {
  let address = text;
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(tail);
    address = `${address.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = '', right] = address.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const groups =
    right === undefined
      ? leftGroups
      : [
          ...leftGroups,
          ...Array<string>(8 - leftGroups.length - rightGroups.length).fill('0'),
          ...rightGroups,
        ];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(Number.parseInt(group, 16), i * 2));
  return bytes;
}
