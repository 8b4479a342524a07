/**
 * The XML namespaces of the EPP subset this registry test double speaks (RFC 5730-5733, RFC 5910).
 * One place, so the greeting, the login check and the response builders cannot disagree.
 */
export const ns = {
  epp: 'urn:ietf:params:xml:ns:epp-1.0',
  domain: 'urn:ietf:params:xml:ns:domain-1.0',
  host: 'urn:ietf:params:xml:ns:host-1.0',
  contact: 'urn:ietf:params:xml:ns:contact-1.0',
  secDNS: 'urn:ietf:params:xml:ns:secDNS-1.1',
} as const;

/** Object services offered in the greeting and accepted at login. */
export const objectUris: readonly string[] = [ns.domain, ns.host, ns.contact];

/** Extensions offered in the greeting: secDNS-1.1 only (dsData interface). */
export const extensionUris: readonly string[] = [ns.secDNS];
