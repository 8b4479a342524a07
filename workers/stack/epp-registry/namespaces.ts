/**
 * The XML namespaces of the EPP subset this registry test double speaks (RFC 5730-5733, RFC 5910).
 * One place, shared with the registrar client: the URIs are the RFCs', and xmllint checks both sides.
 */
import { ns } from '../../../activities/epp/epp-xml';

export { ns };

/** Object services offered in the greeting and accepted at login. */
export const objectUris: readonly string[] = [ns.domain, ns.host, ns.contact];

/** Extensions offered in the greeting: secDNS-1.1 only (dsData interface). */
export const extensionUris: readonly string[] = [ns.secDNS];
