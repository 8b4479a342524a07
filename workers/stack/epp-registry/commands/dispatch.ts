import { ns } from '../namespaces';
import { EppError } from '../results';
import { contactCheck, contactCreate, contactDelete, contactInfo } from './contact';
import type { CommandContext, Outcome, ParsedCommand } from './context';
import { domainCreate } from './domain-create';
import { domainDelete, domainRenew } from './domain-lifecycle';
import { domainCheck, domainInfo } from './domain-query';
import { domainTransfer } from './domain-transfer';
import { domainUpdate } from './domain-update';
import { hostCheck, hostCreate, hostDelete, hostInfo, hostUpdate } from './host';
import { poll } from './poll';

/** Which handler answers which command: `verb` for poll, `object:verb` for object commands. */
type Handler = (ctx: CommandContext, command: ParsedCommand) => Outcome;

const handlers: Readonly<Record<string, Handler>> = {
  poll,
  'domain:check': domainCheck,
  'domain:info': domainInfo,
  'domain:create': domainCreate,
  'domain:update': domainUpdate,
  'domain:delete': domainDelete,
  'domain:renew': domainRenew,
  'domain:transfer': domainTransfer,
  'host:check': hostCheck,
  'host:info': hostInfo,
  'host:create': hostCreate,
  'host:update': hostUpdate,
  'host:delete': hostDelete,
  'contact:check': contactCheck,
  'contact:info': contactInfo,
  'contact:create': contactCreate,
  'contact:delete': contactDelete,
};

const objectPrefixes: Readonly<Record<string, string>> = {
  [ns.domain]: 'domain',
  [ns.host]: 'host',
  [ns.contact]: 'contact',
};

/** The transaction-log name of a command, e.g. "domain:update"; throws for unknown ones. */
export function commandName(command: ParsedCommand): string {
  if (command.object === undefined) return command.verb;
  const prefix = objectPrefixes[command.object.ns];
  if (prefix === undefined)
    throw new EppError(2307, `object service ${command.object.ns} is not offered here`);
  return `${prefix}:${command.verb}`;
}

/** The handler for a command, after checking the client logged in for that object service. */
export function handlerFor(command: ParsedCommand, objURIs: ReadonlySet<string>): Handler {
  const name = commandName(command);
  if (command.object !== undefined && !objURIs.has(command.object.ns))
    throw new EppError(2002, `object service ${command.object.ns} was not declared at login`);
  if (command.object !== undefined && command.object.name !== command.verb)
    throw new EppError(
      2001,
      `<${command.verb}> must contain <${command.verb}> of an object namespace, not <${command.object.name}>`,
    );
  const handler = handlers[name];
  if (handler === undefined) throw new EppError(2101, `${name} is not implemented by this registry`);
  return handler;
}
