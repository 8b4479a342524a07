/**
 * The registry's objects as it stores them (JSON in registry.json). Names are stored lower-case
 * and without the trailing dot, as EPP writes them. `authInfo` and `password` are secrets: they are
 * sent only in EPP responses to the sponsoring registrar and never leave through logs, the
 * transaction log or the admin API.
 */

export interface Registrar {
  readonly clID: string;
  password: string;
}

export interface StatusEntry {
  readonly s: string;
  readonly lang?: string;
  readonly text?: string;
}

export type ContactType = 'admin' | 'billing' | 'tech';

export interface DomainContact {
  readonly type: ContactType;
  readonly id: string;
}

export interface DsData {
  readonly keyTag: number;
  readonly alg: number;
  readonly digestType: number;
  /** Upper-case hex, as stored; compared case-insensitively. */
  readonly digest: string;
}

export type TransferStatus =
  'pending' | 'clientApproved' | 'clientRejected' | 'clientCancelled' | 'serverApproved' | 'serverCancelled';

export interface TransferRecord {
  trStatus: TransferStatus;
  /** The requesting (gaining) registrar. */
  readonly reID: string;
  readonly reDate: string;
  /** The registrar that should act: the sponsor when requested (losing). */
  readonly acID: string;
  /** When the request auto-approves if nobody acts; the action date once acted upon. */
  acDate: string;
  /** Validity period added on completion, in months (0: none). */
  readonly periodMonths: number;
}

export interface Domain {
  readonly name: string;
  readonly roid: string;
  sponsor: string;
  readonly crID: string;
  readonly crDate: string;
  upID?: string;
  upDate?: string;
  exDate: string;
  trDate?: string;
  /** Statuses set by clients or the server; computed ones (ok, inactive, pendingTransfer) are not stored. */
  statuses: StatusEntry[];
  registrant?: string;
  contacts: DomainContact[];
  /** Name server host objects, in the order added. */
  ns: string[];
  ds: DsData[];
  authInfo: string;
  /** The most recent transfer, pending or completed (what <transfer op="query"> reports). */
  transfer?: TransferRecord;
}

export interface HostAddress {
  readonly ip: 'v4' | 'v6';
  readonly addr: string;
}

export interface Host {
  readonly name: string;
  readonly roid: string;
  sponsor: string;
  readonly crID: string;
  readonly crDate: string;
  upID?: string;
  upDate?: string;
  trDate?: string;
  statuses: StatusEntry[];
  addrs: HostAddress[];
}

export interface PostalInfo {
  readonly type: 'int' | 'loc';
  readonly name: string;
  readonly org?: string;
  readonly street: readonly string[];
  readonly city: string;
  readonly sp?: string;
  readonly pc?: string;
  readonly cc: string;
}

export interface Contact {
  readonly id: string;
  readonly roid: string;
  sponsor: string;
  readonly crID: string;
  readonly crDate: string;
  upID?: string;
  upDate?: string;
  statuses: StatusEntry[];
  postalInfo: PostalInfo[];
  voice?: { number: string; x?: string };
  fax?: { number: string; x?: string };
  email: string;
  authInfo: string;
}

/** A queued service message (RFC 5730 §2.9.2.3), for now always a domain transfer notice. */
export interface PollMessage {
  readonly id: string;
  readonly qDate: string;
  readonly msg: string;
  readonly transfer: { readonly name: string } & Omit<TransferRecord, 'periodMonths'> & { exDate?: string };
}

export interface RegistryState {
  version: 1;
  registrars: Registrar[];
  domains: Record<string, Domain>;
  hosts: Record<string, Host>;
  contacts: Record<string, Contact>;
  /** Service messages per registrar, oldest first. */
  polls: Record<string, PollMessage[]>;
  counters: { roid: number; message: number };
  /** Added to the wall clock (admin POST /clock), kept across restarts. */
  clockOffsetMs: number;
  /** Owner names whose DNS data still has to be written to PowerDNS (survives a restart). */
  unpublished: string[];
}

export function emptyState(): RegistryState {
  return {
    version: 1,
    registrars: [],
    domains: {},
    hosts: {},
    contacts: {},
    polls: {},
    counters: { roid: 0, message: 0 },
    clockOffsetMs: 0,
    unpublished: [],
  };
}
