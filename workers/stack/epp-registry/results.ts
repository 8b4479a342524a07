import type { XmlObject } from './xml';

/** EPP result codes (RFC 5730 §3) and their standard messages, which every response uses verbatim. */
export const resultMessages = {
  1000: 'Command completed successfully',
  1001: 'Command completed successfully; action pending',
  1300: 'Command completed successfully; no messages',
  1301: 'Command completed successfully; ack to dequeue',
  1500: 'Command completed successfully; ending session',
  2000: 'Unknown command',
  2001: 'Command syntax error',
  2002: 'Command use error',
  2003: 'Required parameter missing',
  2004: 'Parameter value range error',
  2005: 'Parameter value syntax error',
  2100: 'Unimplemented protocol version',
  2101: 'Unimplemented command',
  2102: 'Unimplemented option',
  2103: 'Unimplemented extension',
  2104: 'Billing failure',
  2105: 'Object is not eligible for renewal',
  2106: 'Object is not eligible for transfer',
  2200: 'Authentication error',
  2201: 'Authorization error',
  2202: 'Invalid authorization information',
  2300: 'Object pending transfer',
  2301: 'Object not pending transfer',
  2302: 'Object exists',
  2303: 'Object does not exist',
  2304: 'Object status prohibits operation',
  2305: 'Object association prohibits operation',
  2306: 'Parameter value policy error',
  2307: 'Unimplemented object service',
  2308: 'Data management policy violation',
  2400: 'Command failed',
  2500: 'Command failed; server closing connection',
  2501: 'Authentication error; server closing connection',
  2502: 'Session limit exceeded; server closing connection',
} as const;

export type ResultCode = keyof typeof resultMessages;

export function isResultCode(code: number): code is ResultCode {
  return Object.hasOwn(resultMessages, code);
}

/** Codes after which the server closes the connection (RFC 5730 §3: 2500-2502, and 1500 logout). */
export function closesSession(code: ResultCode): boolean {
  return code === 1500 || code === 2500 || code === 2501 || code === 2502;
}

/**
 * One <extValue>: the offending element (as the client sent it, or a stand-in) and why it was
 * refused. This is how the registry says *what* was wrong, beyond the code.
 */
export interface ExtValue {
  readonly value: XmlObject;
  readonly reason: string;
}

/** Thrown by a command handler to answer with an error result; nothing has been changed. */
export class EppError extends Error {
  constructor(
    readonly code: ResultCode,
    /** The reason, sent in <extValue><reason> (the <msg> stays the RFC text). */
    readonly reason: string,
    readonly extValues: readonly ExtValue[] = [],
  ) {
    super(`${code} ${resultMessages[code]}: ${reason}`);
    this.name = 'EppError';
  }
}

/** A <value> naming one element of an object namespace, e.g. the host that does not exist. */
export function valueElement(prefix: string, uri: string, name: string, text: string): XmlObject {
  return { [`${prefix}:${name}`]: { [`@xmlns:${prefix}`]: uri, '#': text } };
}

/** An EppError whose reason also names the offending value. */
export function refuse(
  code: ResultCode,
  reason: string,
  value: { prefix: string; uri: string; name: string; text: string },
): EppError {
  return new EppError(code, reason, [
    { value: valueElement(value.prefix, value.uri, value.name, value.text), reason },
  ]);
}
