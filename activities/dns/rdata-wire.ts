import ipaddr from 'ipaddr.js';
import { formatCharacterStrings } from '../../src/dns/txt';
import { svcParamKeys } from '../../src/dns/more-record-types';

/**
 * Presentation form of record data that dns-packet hands over undecoded (a Buffer): CDS and
 * CDNSKEY (laid out as DS and DNSKEY), SVCB and HTTPS (RFC 9460). The record type's own parser
 * canonicalises the result afterwards, exactly as for provider output.
 */
export function dsFromWire(data: Buffer): string {
  return `${data.readUInt16BE(0)} ${data[2]} ${data[3]} ${data.subarray(4).toString('hex') || '00'}`;
}

export function dnskeyFromWire(data: Buffer): string {
  return `${data.readUInt16BE(0)} ${data[2]} ${data[3]} ${data.subarray(4).toString('base64')}`;
}

/** An uncompressed domain name (SVCB targets are never compressed). */
function nameFromWire(data: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = start;
  for (;;) {
    const length = data[i] ?? 0;
    i += 1;
    if (length === 0) break;
    labels.push(data.subarray(i, i + length).toString('latin1'));
    i += length;
  }
  return { name: labels.length === 0 ? '.' : `${labels.join('.')}.`, end: i };
}

export function svcbFromWire(data: Buffer): string {
  const priority = data.readUInt16BE(0);
  const { name, end } = nameFromWire(data, 2);
  const params: string[] = [];
  for (let i = end; i + 4 <= data.length;) {
    const key = data.readUInt16BE(i);
    const length = data.readUInt16BE(i + 2);
    const value = data.subarray(i + 4, i + 4 + length);
    i += 4 + length;
    const keyName = svcParamKeys[key] ?? `key${key}`;
    switch (keyName) {
      case 'mandatory': {
        const keys: string[] = [];
        for (let j = 0; j + 2 <= value.length; j += 2)
          keys.push(svcParamKeys[value.readUInt16BE(j)] ?? `key${value.readUInt16BE(j)}`);
        params.push(`mandatory=${keys.join(',')}`);
        break;
      }
      case 'alpn': {
        const ids: string[] = [];
        for (let j = 0; j < value.length;) {
          const len = value[j] ?? 0;
          ids.push(value.subarray(j + 1, j + 1 + len).toString('latin1'));
          j += 1 + len;
        }
        params.push(`alpn=${ids.join(',')}`);
        break;
      }
      case 'no-default-alpn':
        params.push('no-default-alpn');
        break;
      case 'port':
        params.push(`port=${value.readUInt16BE(0)}`);
        break;
      case 'ipv4hint': {
        const ips: string[] = [];
        for (let j = 0; j + 4 <= value.length; j += 4) ips.push([...value.subarray(j, j + 4)].join('.'));
        params.push(`ipv4hint=${ips.join(',')}`);
        break;
      }
      case 'ech':
        params.push(`ech="${value.toString('base64')}"`);
        break;
      case 'ipv6hint': {
        const ips: string[] = [];
        for (let j = 0; j + 16 <= value.length; j += 16)
          ips.push(ipaddr.fromByteArray([...value.subarray(j, j + 16)]).toString());
        params.push(`ipv6hint=${ips.join(',')}`);
        break;
      }
      default:
        params.push(`${keyName}=${formatCharacterStrings([[...value]])}`);
    }
  }
  return [String(priority), name, ...params].join(' ');
}

/** dns-packet's names for types it knows only by number. */
export const wireTypeNames: Readonly<Record<string, string>> = { SVCB: 'UNKNOWN_64', HTTPS: 'UNKNOWN_65' };
