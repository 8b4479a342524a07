import type { Domain, DsData, StatusEntry, TransferRecord } from '../model';
import { ns } from '../namespaces';
import type { XmlObject } from '../xml';
import { addMonths } from '../clock';

/** Builders for domain response data (RFC 5731 §3, RFC 5910 §5), in the schemas' element order. */

export function statusElements(prefix: string, statuses: readonly StatusEntry[]): XmlObject[] {
  return statuses.map((s) => ({
    '@s': s.s,
    ...(s.lang === undefined ? {} : { '@lang': s.lang }),
    ...(s.text === undefined ? {} : { '#': s.text }),
  }));
}

/** <domain:trnData>; `exDate` is the expiry the transfer leads to (projected while pending). */
export function trnData(
  name: string,
  transfer: Omit<TransferRecord, 'periodMonths'>,
  exDate?: string,
): XmlObject {
  const data: XmlObject = {
    '@xmlns:domain': ns.domain,
    'domain:name': name,
    'domain:trStatus': transfer.trStatus,
    'domain:reID': transfer.reID,
    'domain:reDate': transfer.reDate,
    'domain:acID': transfer.acID,
    'domain:acDate': transfer.acDate,
  };
  if (exDate !== undefined) data['domain:exDate'] = exDate;
  return { 'domain:trnData': data };
}

/** The expiry a domain will have once its transfer completes. */
export function projectedExpiry(domain: Domain): string {
  const months = domain.transfer?.trStatus === 'pending' ? domain.transfer.periodMonths : 0;
  return addMonths(domain.exDate, months);
}

function dsElement(ds: DsData): XmlObject {
  return {
    'secDNS:keyTag': String(ds.keyTag),
    'secDNS:alg': String(ds.alg),
    'secDNS:digestType': String(ds.digestType),
    'secDNS:digest': ds.digest,
  };
}

/** <secDNS:infData> with the dsData interface (the only one this registry offers). */
export function secDnsInfData(ds: readonly DsData[]): XmlObject {
  return { 'secDNS:infData': { '@xmlns:secDNS': ns.secDNS, 'secDNS:dsData': ds.map(dsElement) } };
}
