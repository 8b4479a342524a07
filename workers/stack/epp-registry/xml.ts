import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import { EppError } from './results';

/**
 * XML in and out. EPP clients may choose any namespace prefix (or a default namespace), so incoming
 * frames are parsed into a tree whose elements carry their resolved namespace URI: handlers match
 * on (namespace, local name), never on a prefix. Outgoing frames are built with xmlbuilder2 from
 * plain objects (`@attr`, `#` text, arrays for repeated elements).
 */

export interface XmlElement {
  /** Resolved namespace URI ('' when the element has none). */
  readonly ns: string;
  readonly name: string;
  /** Attributes without a prefix, by name (namespaced attributes are not used by EPP commands). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text, concatenated (entity references already decoded). */
  readonly text: string;
}

/** What xmlbuilder2 builds from: element names map to objects, strings, or arrays of them. */
export type XmlObject = { [key: string]: XmlValue };
export type XmlValue = string | XmlObject | XmlObject[] | string[];

type Ordered = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
});

function resolve(node: Ordered, scope: ReadonlyMap<string, string>): XmlElement {
  const tag = Object.keys(node).find((k) => k !== ':@') as string;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  const local = new Map(scope);
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns') local.set('', value);
    else if (key.startsWith('xmlns:')) local.set(key.slice(6), value);
  }
  const colon = tag.indexOf(':');
  const prefix = colon === -1 ? '' : tag.slice(0, colon);
  const name = colon === -1 ? tag : tag.slice(colon + 1);
  const uri = local.get(prefix);
  if (uri === undefined) throw new EppError(2001, `namespace prefix "${prefix}" of <${tag}> is not declared`);
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key !== 'xmlns' && !key.includes(':')) attrs[key] = value;
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[tag] ?? []) as Ordered[]) {
    if ('#text' in child) text += String(child['#text']);
    else if (!('#comment' in child)) children.push(resolve(child, local));
  }
  return { ns: uri, name, attrs, children, text };
}

/**
 * Parses one frame. Not well-formed XML, a DTD (EPP never uses one, and entity declarations are a
 * denial-of-service vector) or more than one root element is a 2001 command syntax error.
 */
export function parseXml(xml: string): XmlElement {
  if (/<!DOCTYPE/i.test(xml)) throw new EppError(2001, 'DTDs are not accepted in EPP frames');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new EppError(
      2001,
      `XML is not well-formed: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`,
    );
  }
  let parsed: Ordered[];
  try {
    parsed = parser.parse(xml) as Ordered[];
  } catch (err) {
    throw new EppError(2001, `XML could not be parsed: ${(err as Error).message}`);
  }
  const roots = parsed.filter((n) => !('#text' in n) && !('#comment' in n));
  if (roots.length !== 1) throw new EppError(2001, `expected one root element, found ${roots.length}`);
  return resolve(roots[0] as Ordered, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
}

export function childrenOf(el: XmlElement, ns: string, name: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && c.name === name);
}

export function childOf(el: XmlElement, ns: string, name: string): XmlElement | undefined {
  return el.children.find((c) => c.ns === ns && c.name === name);
}

/** XML Schema `token` semantics: whitespace collapsed and trimmed. */
export function token(el: XmlElement | undefined): string {
  return (el?.text ?? '').replace(/\s+/g, ' ').trim();
}

/** A required child; its absence is 2003 "Required parameter missing", naming the element. */
export function requireChild(el: XmlElement, ns: string, name: string): XmlElement {
  const found = childOf(el, ns, name);
  if (found === undefined) throw new EppError(2003, `<${name}> is required in <${el.name}>`);
  return found;
}

/**
 * Refuses child elements the schema does not allow here (2001), so a client that puts an element in
 * the wrong place learns it at once instead of having it silently ignored.
 */
export function onlyChildren(el: XmlElement, ns: string, allowed: readonly string[]): void {
  for (const c of el.children) {
    if (c.ns !== ns || !allowed.includes(c.name))
      throw new EppError(2001, `<${c.name}> (${c.ns || 'no namespace'}) is not allowed in <${el.name}>`);
  }
}

export function serialize(root: XmlObject): string {
  return create({ version: '1.0', encoding: 'UTF-8', standalone: false }, root).end({ prettyPrint: false });
}
