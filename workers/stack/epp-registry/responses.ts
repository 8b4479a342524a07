import { extensionUris, ns, objectUris } from './namespaces';
import type { ExtValue, ResultCode } from './results';
import { resultMessages } from './results';
import type { XmlObject } from './xml';
import { serialize } from './xml';

/** The server identity the greeting announces. */
export const serverId = 'countersign registry test double';

/**
 * The greeting (RFC 5730 §2.4): version 1.0, English, the three object services, secDNS-1.1, and a
 * data collection policy saying what a test registry does with the data: provisioning, kept until
 * deleted by the test that made it.
 */
export function greetingXml(now: Date): string {
  return serialize({
    epp: {
      '@xmlns': ns.epp,
      greeting: {
        svID: serverId,
        svDate: now.toISOString(),
        svcMenu: {
          version: '1.0',
          lang: 'en',
          objURI: [...objectUris],
          svcExtension: { extURI: [...extensionUris] },
        },
        dcp: {
          access: { all: {} },
          statement: {
            purpose: { admin: {}, prov: {} },
            recipient: { ours: {}, public: {} },
            retention: { stated: {} },
          },
        },
      },
    },
  });
}

export interface MessageQueue {
  readonly count: number;
  readonly id: string;
  readonly qDate?: string;
  readonly msg?: string;
}

export interface ResponseSpec {
  readonly code: ResultCode;
  readonly extValues?: readonly ExtValue[];
  readonly msgQ?: MessageQueue;
  readonly resData?: XmlObject;
  readonly extension?: XmlObject;
  readonly clTRID?: string | undefined;
  readonly svTRID: string;
}

/** A response (RFC 5730 §2.6), elements in the order epp-1.0.xsd requires. */
export function responseXml(spec: ResponseSpec): string {
  const result: XmlObject = { '@code': String(spec.code), msg: resultMessages[spec.code] };
  if (spec.extValues !== undefined && spec.extValues.length > 0) {
    result.extValue = spec.extValues.map((e) => ({ value: e.value, reason: e.reason }));
  }
  const response: XmlObject = { result };
  if (spec.msgQ !== undefined) {
    const msgQ: XmlObject = { '@count': String(spec.msgQ.count), '@id': spec.msgQ.id };
    if (spec.msgQ.qDate !== undefined) msgQ.qDate = spec.msgQ.qDate;
    if (spec.msgQ.msg !== undefined) msgQ.msg = spec.msgQ.msg;
    response.msgQ = msgQ;
  }
  if (spec.resData !== undefined) response.resData = spec.resData;
  if (spec.extension !== undefined) response.extension = spec.extension;
  const trID: XmlObject = {};
  if (spec.clTRID !== undefined) trID.clTRID = spec.clTRID;
  trID.svTRID = spec.svTRID;
  response.trID = trID;
  return serialize({ epp: { '@xmlns': ns.epp, response } });
}

/** The stand-in <value> for a reason that concerns no single element (RFC 5730's examples). */
export const undefValue: XmlObject = { undef: {} };
