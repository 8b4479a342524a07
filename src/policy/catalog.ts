/**
 * The action catalog: every change kind the control plane knows, how reversible it is, whether it
 * is critical (never automatic, whatever a policy says), and how its blast radius is measured.
 * Record-type classes give DNS changes the same treatment by what they touch.
 */
export interface ActionKind {
  readonly kind: string;
  readonly reversible: 'yes' | 'with_data_loss' | 'no';
  readonly critical: boolean;
  /** How the size of one change is measured for blast-radius rules. */
  readonly blastRadius: string;
  /** False for kinds the catalog declares ahead of their adapters (they cannot be submitted yet). */
  readonly submittable: boolean;
}

export const actionKinds: readonly ActionKind[] = [
  {
    kind: 'dns.upsert_rrset',
    reversible: 'yes',
    critical: false,
    blastRadius: 'records touched, and their share of the zone',
    submittable: true,
  },
  {
    kind: 'dns.delete_rrset',
    reversible: 'yes',
    critical: false,
    blastRadius: 'records removed, and their share of the zone',
    submittable: true,
  },
  {
    kind: 'dns.delete_zone',
    reversible: 'with_data_loss',
    critical: true,
    blastRadius: 'every record of the zone',
    submittable: false,
  },
  {
    kind: 'registrar.set_nameservers',
    reversible: 'yes',
    critical: true,
    blastRadius: 'the whole domain (delegation)',
    submittable: true,
  },
  {
    kind: 'registrar.set_lock',
    reversible: 'yes',
    critical: true,
    blastRadius: 'the whole domain (transfer protection)',
    submittable: true,
  },
  {
    kind: 'registrar.add_ds',
    reversible: 'yes',
    critical: true,
    blastRadius: 'the whole domain (DNSSEC chain of trust)',
    submittable: true,
  },
  {
    kind: 'registrar.remove_ds',
    reversible: 'yes',
    critical: true,
    blastRadius: 'the whole domain (DNSSEC chain of trust)',
    submittable: true,
  },
  {
    kind: 'registrar.transfer',
    reversible: 'no',
    critical: true,
    blastRadius: 'the whole domain (ownership)',
    submittable: true,
  },
  {
    kind: 'registrar.update_contacts',
    reversible: 'yes',
    critical: true,
    blastRadius: 'the whole domain (ownership recovery)',
    submittable: true,
  },
];

/** What a DNS record type touches; rules match on these classes. */
export const recordClasses = [
  'soa',
  'apex_ns',
  'delegation',
  'dnssec',
  'mail',
  'caa',
  'address',
  'alias',
  'service',
  'text',
] as const;
export type RecordClass = (typeof recordClasses)[number];

/** Classes no AI change may execute automatically, whatever a policy says. */
export const criticalClasses: readonly RecordClass[] = ['soa', 'apex_ns', 'dnssec'];

export const criticalKinds: readonly string[] = actionKinds.filter((k) => k.critical).map((k) => k.kind);

export const knownKinds: readonly string[] = actionKinds.map((k) => k.kind);

const mailTxt = /^"?v=(spf1|DMARC1|DKIM1|STSv1|TLSRPTv1|BIMI1)\b/i;

/** Classes of one DNS change, from its owner name, type and record data (before and after). */
export function classesOf(
  type: string,
  apex: boolean,
  name: string,
  records: readonly string[],
): RecordClass[] {
  switch (type) {
    case 'SOA':
      return ['soa'];
    case 'NS':
      return [apex ? 'apex_ns' : 'delegation'];
    case 'DS':
    case 'DNSKEY':
    case 'CDS':
    case 'CDNSKEY':
      return ['dnssec'];
    case 'MX':
      return ['mail'];
    case 'CAA':
      return ['caa'];
    case 'A':
    case 'AAAA':
      return ['address'];
    case 'CNAME':
      return ['alias'];
    case 'SRV':
      return ['service'];
    case 'TXT': {
      const mailNames = ['_dmarc.', '_mta-sts.', '_smtp._tls.'];
      const mail =
        mailNames.some((prefix) => name.startsWith(prefix)) ||
        name.includes('._domainkey.') ||
        name.includes('._bimi.') ||
        records.some((r) => mailTxt.test(r));
      return mail ? ['mail', 'text'] : ['text'];
    }
    default:
      return [];
  }
}
