import { ns } from './namespaces';
import type { ParsedCommand } from './commands/context';
import { EppError } from './results';
import type { XmlElement } from './xml';
import { token } from './xml';

/**
 * Reads an <epp> frame from a client: <hello/> or one <command> (RFC 5730 §2.3, §2.5). Anything
 * else, or a command that is not shaped as epp-1.0.xsd says, is a 2001 syntax error; a command
 * element EPP does not define is 2000 (RFC 5730 §3).
 */

export type ClientFrame = { kind: 'hello' } | { kind: 'command'; command: ParsedCommand };

const verbs = ['check', 'create', 'delete', 'info', 'login', 'logout', 'poll', 'renew', 'transfer', 'update'];

/** The client's transaction id, when it sent one usable in a response (3-64 characters). */
export function clientTrid(command: XmlElement | undefined): string | undefined {
  const el = command?.children.find((c) => c.ns === ns.epp && c.name === 'clTRID');
  const value = token(el);
  return value.length >= 3 && value.length <= 64 ? value : undefined;
}

export function readClientFrame(root: XmlElement): ClientFrame {
  if (root.ns !== ns.epp || root.name !== 'epp')
    throw new EppError(
      2001,
      `the root element must be <epp> in ${ns.epp}, not <${root.name}> in ${root.ns || 'no namespace'}`,
    );
  if (root.children.length !== 1) throw new EppError(2001, '<epp> must contain exactly one element');
  const body = root.children[0]!;
  if (body.ns === ns.epp && body.name === 'hello') return { kind: 'hello' };
  if (body.ns !== ns.epp || body.name !== 'command')
    throw new EppError(2001, `a client sends <hello> or <command>, not <${body.name}>`);
  const [verbElement, ...rest] = body.children;
  if (verbElement === undefined) throw new EppError(2001, '<command> is empty');
  if (verbElement.ns !== ns.epp)
    throw new EppError(2001, `<${verbElement.name}> is not in the EPP namespace`);
  if (!verbs.includes(verbElement.name))
    throw new EppError(2000, `<${verbElement.name}> is not an EPP command`);
  let extensions: XmlElement[] = [];
  let clTRID: string | undefined;
  for (const [index, el] of rest.entries()) {
    if (el.ns === ns.epp && el.name === 'extension' && index === 0) extensions = [...el.children];
    else if (el.ns === ns.epp && el.name === 'clTRID' && index === rest.length - 1) {
      clTRID = clientTrid(body);
      if (clTRID === undefined) throw new EppError(2001, '<clTRID> must have 3 to 64 characters');
    } else throw new EppError(2001, `<${el.name}> is not allowed here in <command>`);
  }
  const objectVerb = !['login', 'logout', 'poll'].includes(verbElement.name);
  const objects = verbElement.children;
  if (objectVerb && objects.length !== 1)
    throw new EppError(2001, `<${verbElement.name}> must contain exactly one object element`);
  if (verbElement.name === 'transfer' && verbElement.attrs.op === undefined)
    throw new EppError(2003, '<transfer> needs an "op" attribute');
  return {
    kind: 'command',
    command: {
      verb: verbElement.name,
      verbElement,
      object: objectVerb ? objects[0] : undefined,
      extensions,
      clTRID,
    },
  };
}

/** The domain/host name or contact id a command is about, for the transaction log and faults. */
export function objectKey(command: ParsedCommand): string | null {
  const el = command.object?.children.find((c) => c.name === 'name' || c.name === 'id');
  const value = token(el);
  if (value === '') return null;
  // Contact ids are case-sensitive; domain and host names are not.
  return command.object?.ns === ns.contact ? value : value.toLowerCase().replace(/\.$/, '');
}
