import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as epp from '../../activities/epp/epp-xml';
import { validateEppFrames } from '../helpers/epp-xsd';

const ds = '12345 13 2 3490a6806d47f17a34c29e2ce80e8a999ffbe4be4b4e5c6d7e8f90a1b2c3d4e5';

/** Every command the registrar client can send, checked against the IANA schemas by xmllint. */
const frames: { name: string; xml: string }[] = [
  { name: 'hello', xml: epp.hello() },
  { name: 'login', xml: epp.login('countersign', 'pw-Secret-1', 'CS-login-1') },
  { name: 'logout', xml: epp.logout('CS-logout-1') },
  { name: 'domain-info', xml: epp.domainInfo('shop.example.', 'CS-1') },
  { name: 'domain-info-auth', xml: epp.domainInfo('shop.example.', 'CS-2', 'auth-Code-9') },
  { name: 'transfer-query', xml: epp.domainTransferQuery('shop.example.', 'CS-3') },
  {
    name: 'update-ns',
    xml: epp.domainUpdate(
      'shop.example.',
      { add: { ns: ['ns1.new.net.'] }, rem: { ns: ['ns1.old.net.'] } },
      'CS-4',
    ),
  },
  {
    name: 'update-status',
    xml: epp.domainUpdate('shop.example.', { rem: { statuses: ['clientUpdateProhibited'] } }, 'CS-5'),
  },
  {
    name: 'update-contacts',
    xml: epp.domainUpdate(
      'shop.example.',
      {
        add: { contacts: [{ type: 'tech', id: 'tech-02' }] },
        rem: { contacts: [{ type: 'tech', id: 'tech-01' }] },
        registrant: 'own-2',
      },
      'CS-6',
    ),
  },
  { name: 'update-ds-add', xml: epp.domainUpdate('shop.example.', { ds: { add: [ds] } }, 'CS-7') },
  {
    name: 'update-ds-swap',
    xml: epp.domainUpdate('shop.example.', { ds: { add: [ds], rem: [ds.replace('12345', '111')] } }, 'CS-8'),
  },
  { name: 'transfer-request', xml: epp.domainTransfer('request', 'shop.example.', 'CS-9', 'auth-Code-9') },
  { name: 'transfer-approve', xml: epp.domainTransfer('approve', 'shop.example.', 'CS-10') },
  { name: 'transfer-reject', xml: epp.domainTransfer('reject', 'shop.example.', 'CS-11') },
  { name: 'host-check', xml: epp.hostCheck(['ns1.new.net.', 'ns2.new.net.'], 'CS-12') },
  { name: 'host-create', xml: epp.hostCreate('ns1.new.net.', 'CS-13') },
  {
    name: 'host-create-glue',
    xml: epp.hostCreate('ns1.shop.example.', 'CS-13b', ['192.0.2.53', '2001:db8::53']),
  },
  { name: 'poll-req', xml: epp.pollRequest('CS-14') },
  {
    name: 'contact-create',
    xml: epp.contactCreate(
      {
        id: 'own-1',
        name: 'Shop Owner',
        org: 'Shop',
        city: 'Utrecht',
        cc: 'NL',
        email: 'owner@shop.example',
        voice: '+31.301234567',
      },
      'contact-Pw-1',
      'CS-16',
    ),
  },
  {
    name: 'domain-create',
    xml: epp.domainCreate(
      {
        name: 'shop.example.',
        nameservers: ['ns1.host.net.', 'ns2.host.net.'],
        registrant: 'own-1',
        admin: 'own-1',
        tech: 'own-1',
      },
      'auth-Code-9',
      'CS-17',
    ),
  },
  { name: 'poll-ack', xml: epp.pollAck('42', 'CS-15') },
];

describe('EPP frames the registrar client sends', () => {
  it('every one validates against the IANA schemas (xmllint)', async () => {
    const verdicts = await validateEppFrames(frames);
    const invalid = verdicts.filter((v) => !v.valid);
    assert.deepEqual(invalid, []);
    assert.equal(verdicts.length, frames.length);
  });

  it('a frame the schemas refuse is caught (the check can fail)', async () => {
    const broken = epp
      .domainInfo('shop.example.', 'CS-1')
      .replace('<info>', '<inf>')
      .replace('</info>', '</inf>');
    const [verdict] = await validateEppFrames([{ name: 'broken', xml: broken }]);
    assert.equal(verdict?.valid, false);
  });

  it('DS data goes out as secDNS dsData with the digest in hex', () => {
    const xml = epp.domainUpdate('shop.example.', { ds: { add: [ds] } }, 'CS-1');
    assert.match(
      xml,
      /<secDNS:keyTag>12345<\/secDNS:keyTag><secDNS:alg>13<\/secDNS:alg><secDNS:digestType>2<\/secDNS:digestType>/,
    );
    assert.match(xml, /<secDNS:digest>3490A680/);
  });
});

describe('EPP responses the client reads', () => {
  it('a domain:info answer, secDNS included; the auth code is not kept', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>Command completed successfully</msg></result><resData><domain:infData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>shop.example</domain:name><domain:roid>D1-EX</domain:roid><domain:status s="clientUpdateProhibited"/><domain:status s="clientTransferProhibited"/><domain:registrant>own-1</domain:registrant><domain:contact type="tech">tech-01</domain:contact><domain:ns><domain:hostObj>NS1.Host.NET</domain:hostObj><domain:hostObj>ns2.host.net</domain:hostObj></domain:ns><domain:clID>countersign</domain:clID><domain:authInfo><domain:pw>auth-Code-9</domain:pw></domain:authInfo></domain:infData></resData><extension><secDNS:infData xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1"><secDNS:dsData><secDNS:keyTag>12345</secDNS:keyTag><secDNS:alg>13</secDNS:alg><secDNS:digestType>2</secDNS:digestType><secDNS:digest>ABCD</secDNS:digest></secDNS:dsData></secDNS:infData></extension><trID><clTRID>CS-1</clTRID><svTRID>SV-7</svTRID></trID></response></epp>`;
    const response = epp.parseResponse(xml);
    assert.equal(response.svTRID, 'SV-7');
    const info = epp.domainInfoOf(response);
    assert.deepEqual(info.nameservers, ['ns1.host.net.', 'ns2.host.net.']);
    assert.deepEqual(info.statuses, ['clientUpdateProhibited', 'clientTransferProhibited']);
    assert.deepEqual(info.ds, ['12345 13 2 ABCD']);
    assert.equal(info.registrant, 'own-1');
    assert.equal(JSON.stringify(info).includes('auth-Code-9'), false);
  });

  it('a refusal with the registry reason', () => {
    const xml = `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="2304"><msg>Object status prohibits operation</msg><extValue><value><domain:status xmlns:domain="urn:ietf:params:xml:ns:domain-1.0" s="clientUpdateProhibited"/></value><reason>the domain is locked</reason></extValue></result><trID><svTRID>SV-8</svTRID></trID></response></epp>`;
    const response = epp.parseResponse(xml);
    assert.deepEqual(response.results, [
      { code: 2304, message: 'Object status prohibits operation', reasons: ['the domain is locked'] },
    ]);
  });
});
