import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { ApproverKeyFile } from '../client/approver-keys';
import type { CountersignClient } from '../client/countersign-client';
import type { Scope } from '../governor/scope';
import { formatScope, parseScope } from '../governor/scope';
import type { ExceptionSpec } from '../overrides/exception';
import type * as ExceptionModule from '../overrides/exception';
import type * as OverridesStatusModule from '../overrides/overrides-status';
import { durationPattern, parseDuration } from '../policy/duration';
import type { OverrideAnswer } from '../../workflows/governor-messages';
import { ExitCode } from './exit-codes';
import type * as IncidentReceiverModule from './incident-receiver';
import { InputError } from './read-input';

// Loaded when a command runs (see main.ts): the exception schema is zod, the receiver is node:http.
const exceptionModule = () => require('../overrides/exception') as typeof ExceptionModule;
const overridesStatusModule = () => require('../overrides/overrides-status') as typeof OverridesStatusModule;
const incidentReceiverModule = () => require('./incident-receiver') as typeof IncidentReceiverModule;

export interface OverrideCommandDeps {
  readonly print: (value: unknown, text: string) => void;
  readonly withClient: <T>(fn: (client: CountersignClient) => Promise<T>) => Promise<T>;
  readonly readKey: (file: string) => Promise<ApproverKeyFile>;
}

function scopeOption(text: string): Scope {
  const scope = parseScope(text);
  if ('error' in scope) throw new InputError(`--scope: ${scope.error}`);
  return scope;
}

/** `2h`, `30m` (from now) or an ISO 8601 instant. */
function instant(option: string, text: string): string {
  if (durationPattern.test(text)) return new Date(Date.now() + parseDuration(text) * 1000).toISOString();
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(text))
    throw new InputError(
      `${option}: "${text}" is neither a duration (30m, 4h, 7d) nor an ISO 8601 time (2026-12-24T18:00:00Z)`,
    );
  return new Date(ms).toISOString();
}

function seconds(option: string, text: string): number {
  if (!durationPattern.test(text))
    throw new InputError(`${option}: "${text}" is not a duration such as 30m, 1h or 90s`);
  return parseDuration(text);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Prints what the governor answered and what happens next; a refusal ends with exit code 4. */
function answered(deps: OverrideCommandDeps, answer: OverrideAnswer, principal: string, next: string): void {
  deps.print(
    { ...answer, principal },
    answer.ok ? `${answer.message}\n${next}` : `refused: ${answer.message}`,
  );
  if (!answer.ok) process.exitCode = ExitCode.refused;
}

interface Signed {
  key: string;
  reason: string;
}

/** `countersign freeze|unfreeze|incident|break-glass|exceptions`: people's overrides, each signed and expiring. */
export function registerOverrideCommands(program: Command, deps: OverrideCommandDeps): void {
  program
    .command('freeze')
    .description('stop every change in a scope from executing (approvals may still be given); signed')
    .requiredOption('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global')
    .requiredOption('--reason <text>', 'why: shown on every held change')
    .option('--until <time>', 'ends by itself: a duration (2h) or an ISO time')
    .option('--incident <id>', 'the incident this freeze is for')
    .requiredOption('--key <file>', 'your key file (countersign keygen)')
    .action(async (o: Signed & { scope: string; until?: string; incident?: string }) => {
      const scope = scopeOption(o.scope);
      const until = o.until === undefined ? null : instant('--until', o.until);
      const key = await deps.readKey(o.key);
      const answer = await deps.withClient((c) =>
        c.overrides.freeze(scope, { key, reason: o.reason, until, incident: o.incident ?? null }),
      );
      answered(
        deps,
        answer,
        key.principal,
        `Changes in ${formatScope(scope)} now wait before executing (rollbacks of running changes go on). Lift it: countersign unfreeze --scope ${formatScope(scope)} --key <key> --reason "..."`,
      );
    });

  program
    .command('unfreeze')
    .description("lift a person's freeze of a scope; held changes go on in arrival order; signed")
    .requiredOption('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global')
    .requiredOption('--reason <text>', 'why it is safe now')
    .requiredOption('--key <file>', 'your key file')
    .action(async (o: Signed & { scope: string }) => {
      const scope = scopeOption(o.scope);
      const key = await deps.readKey(o.key);
      const answer = await deps.withClient((c) => c.overrides.unfreeze(scope, { key, reason: o.reason }));
      answered(
        deps,
        answer,
        key.principal,
        `Held changes go on one by one, in arrival order: countersign governor status ${formatScope(scope)}`,
      );
    });

  const incident = program
    .command('incident')
    .description('declare and close incidents (the policy may freeze their scopes)');
  for (const op of ['open', 'close'] as const)
    incident
      .command(op)
      .description(
        op === 'open'
          ? 'declare an incident for one or more scopes; signed'
          : 'close an incident; its freezes end; signed',
      )
      .argument('<id>', 'the incident id (as your incident tool names it)')
      .requiredOption(
        '--scope <scope>',
        'zone:<zone>, tenant:<tenant> or global (repeat for several)',
        collect,
      )
      .requiredOption('--reason <text>', op === 'open' ? 'what is happening' : 'how it was resolved')
      .option('--title <text>', 'the incident title (default: the reason)')
      .requiredOption('--key <file>', 'your key file')
      .action(async (id: string, o: Signed & { scope: string[]; title?: string }) => {
        const scopes = o.scope.map(scopeOption);
        const key = await deps.readKey(o.key);
        const answers = [];
        for (const scope of scopes)
          answers.push({
            scope: formatScope(scope),
            ...(await deps.withClient((c) =>
              c.overrides.incident(scope, op, id, o.title ?? o.reason, { key, reason: o.reason }),
            )),
          });
        deps.print(
          { incident: id, principal: key.principal, answers },
          answers.map((a) => `${a.scope}: ${a.message}`).join('\n'),
        );
      });
  incident
    .command('webhook')
    .description("relay an incident tool's webhook (JSON body + its HMAC signature) to the scopes it names")
    .requiredOption('--body <file>', 'the webhook body as received ("-" for stdin)')
    .requiredOption('--signature <sig>', 'the sha256=<hex> HMAC header as received')
    .action(async (o: { body: string; signature: string }) => {
      const body =
        o.body === '-'
          ? await readStdin()
          : await readFile(o.body, 'utf8').catch(() => {
              throw new InputError(`--body: cannot read ${o.body}`);
            });
      const results = await deps.withClient((c) => c.overrides.incidentWebhook(body, o.signature));
      deps.print(
        results,
        results.map((r) => `${r.scope}: ${r.answer.ok ? '' : 'refused: '}${r.answer.message}`).join('\n'),
      );
      if (results.some((r) => !r.answer.ok)) process.exitCode = ExitCode.refused;
    });

  incident
    .command('serve')
    .description(
      'an HTTP endpoint for the incident tool: POST /incidents with X-Countersign-Signature (loopback by default)',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8787')
    .action(async (o: { host: string; port: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new InputError(`--port: "${o.port}" is not a port (0-65535)`);
      await deps.withClient(async (c) => {
        const receiver = await incidentReceiverModule().startIncidentReceiver(
          () => c.overrides,
          o.host,
          port,
          (line) => process.stderr.write(`${line}\n`),
        );
        process.stderr.write(
          `countersign: receiving incident webhooks at ${receiver.url} (the worker checks each signature with COUNTERSIGN_INCIDENT_WEBHOOK_SECRET); Ctrl-C stops\n`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await receiver.close();
      });
    });

  const breakGlass = program
    .command('break-glass')
    .description(
      'for a short time, changes you approve in a scope need no second approver; a different operator reviews them afterwards',
    );
  // `countersign break-glass --scope …` starts one: `start` is the default subcommand, so `end` and
  // `review` keep their own --scope and --key.
  breakGlass
    .command('start', { isDefault: true })
    .description('break the glass for a scope (signed); it expires on its own')
    .requiredOption('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global')
    .requiredOption('--for <duration>', 'how long (at most overrides.breakGlass.maxDuration), e.g. 30m')
    .requiredOption('--reason <text>', 'why the normal path cannot wait')
    .option('--incident <id>', 'the incident it is for')
    .requiredOption('--key <file>', 'your key file')
    .action(async (o: Signed & { scope: string; for: string; incident?: string }) => {
      const scope = scopeOption(o.scope);
      const duration = seconds('--for', o.for);
      const key = await deps.readKey(o.key);
      const answer = await deps.withClient((c) =>
        c.overrides.breakGlass(scope, {
          key,
          reason: o.reason,
          seconds: duration,
          incident: o.incident ?? null,
        }),
      );
      answered(
        deps,
        answer,
        key.principal,
        `Until ${answer.expiresAt ?? '?'}, your signed approval alone lets a change in ${formatScope(scope)} run (never-allowed stays blocked). When it ends, someone else must review it: countersign break-glass review ${answer.grantId ?? '<id>'} --scope ${formatScope(scope)} --approve --key <their key> --reason "..."`,
      );
    });
  breakGlass
    .command('end')
    .description('end your break-glass early; its retroactive review opens')
    .requiredOption('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global')
    .option('--grant <id>', 'the grant (default: yours)')
    .requiredOption('--reason <text>', 'why it is no longer needed')
    .requiredOption('--key <file>', 'your key file')
    .action(async (o: Signed & { scope: string; grant?: string }) => {
      const scope = scopeOption(o.scope);
      const key = await deps.readKey(o.key);
      const answer = await deps.withClient((c) =>
        c.overrides.endBreakGlass(scope, o.grant ?? null, { key, reason: o.reason }),
      );
      answered(
        deps,
        answer,
        key.principal,
        `A different operator must now review it: countersign governor status ${formatScope(scope)}`,
      );
    });
  breakGlass
    .command('review')
    .description("complete the retroactive review of someone else's break-glass; signed")
    .argument('<grant>', 'the grant id (bg-1)')
    .requiredOption('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global')
    .option('--approve', 'the changes made under it were right')
    .option('--reject', 'they were not: counted and escalated')
    .requiredOption('--reason <text>', 'what you checked')
    .requiredOption('--key <file>', 'your key file')
    .action(async (grant: string, o: Signed & { scope: string; approve?: boolean; reject?: boolean }) => {
      if ((o.approve === true) === (o.reject === true))
        throw new InputError('give exactly one of --approve or --reject');
      const scope = scopeOption(o.scope);
      const key = await deps.readKey(o.key);
      const answer = await deps.withClient((c) =>
        c.overrides.reviewBreakGlass(scope, grant, {
          key,
          reason: o.reason,
          decision: o.approve === true ? 'approve' : 'reject',
        }),
      );
      answered(deps, answer, key.principal, "The review is in the governor's evidence.");
    });

  const exceptions = program
    .command('exceptions')
    .description('time-bound, owner-bound changes to what the policy decides');
  exceptions
    .command('list')
    .description('exceptions of a scope (or of every governed scope), with owner, effect and expiry')
    .option('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global (repeatable)', collect)
    .option('--all', 'include expired and revoked ones')
    .action(async (o: { scope?: string[]; all?: boolean }) => {
      const scopes = o.scope === undefined ? null : o.scope.map(scopeOption);
      const listed = (await deps.withClient((c) => c.overrides.listExceptions(scopes))).filter(
        (e) => o.all === true || e.status === 'active' || e.status === 'proposed',
      );
      deps.print(
        listed,
        listed.length === 0
          ? 'no exceptions'
          : listed.map(overridesStatusModule().renderException).join('\n'),
      );
    });
  exceptions
    .command('grant')
    .description('grant an exception (tighten: one signature; loosen: a second person approves)')
    .argument('<id>', 'a short id: lowercase letters, digits, ".", "_", "-"')
    .requiredOption('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global')
    .requiredOption(
      '--effect <effect>',
      'tighten:<tier> (at least) or loosen:<tier> (at most); tier 0-3 or blocked',
    )
    .requiredOption('--owner <principal>', 'who answers for it and is reminded to review it')
    .requiredOption('--justification <text>', 'why it is needed')
    .requiredOption(
      '--expires <time>',
      'a duration (7d) or an ISO time; at most overrides.exceptions.maxDuration',
    )
    .option('--kind <kind>', 'only these change kinds (repeatable)', collect)
    .option('--name <glob>', 'only these owner names (repeatable)', collect)
    .option('--type <type>', 'only these record types (repeatable)', collect)
    .option('--env <environment>', 'only these environments (repeatable)', collect)
    .option('--ttl-only', 'only changes that alter nothing but the TTL')
    .option('--incident <id>', 'the incident it is linked to')
    .option('--change <id>', 'the change record it is linked to')
    .requiredOption('--key <file>', 'your key file')
    .action(
      async (
        id: string,
        o: {
          scope: string;
          effect: string;
          owner: string;
          justification: string;
          expires: string;
          kind?: string[];
          name?: string[];
          type?: string[];
          env?: string[];
          ttlOnly?: boolean;
          incident?: string;
          change?: string;
          key: string;
        },
      ) => {
        const scope = scopeOption(o.scope);
        const effect = exceptionModule().parseEffect(o.effect);
        if ('error' in effect) throw new InputError(`--effect: ${effect.error}`);
        const candidate = {
          id,
          owner: o.owner,
          justification: o.justification,
          match: {
            ...(o.kind === undefined ? {} : { kinds: o.kind }),
            ...(o.name === undefined ? {} : { names: o.name }),
            ...(o.type === undefined ? {} : { types: o.type.map((t) => t.toUpperCase()) }),
            ...(o.env === undefined ? {} : { environments: o.env }),
            ...(o.ttlOnly === true ? { ttlOnly: true } : {}),
          },
          effect,
          expiresAt: instant('--expires', o.expires),
          ...(o.incident === undefined ? {} : { incident: o.incident }),
          ...(o.change === undefined ? {} : { change: o.change }),
        };
        const parsed = exceptionModule().ExceptionSpec.safeParse(candidate);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new InputError(
            `exception ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
          );
        }
        const spec: ExceptionSpec = parsed.data;
        const key = await deps.readKey(o.key);
        const answer = await deps.withClient((c) =>
          c.overrides.grantException(scope, spec, { key, reason: spec.justification }),
        );
        answered(
          deps,
          answer,
          key.principal,
          effect.direction === 'loosen'
            ? `A second person must approve it before it applies: countersign exceptions approve ${id} --scope ${formatScope(scope)} --key <their key> --reason "..."`
            : `It applies to the next policy check of every matching change in ${formatScope(scope)} until ${spec.expiresAt}.`,
        );
      },
    );
  exceptions
    .command('approve')
    .description('the second key of a loosening exception (a different person than who proposed it)')
    .argument('<id>', 'the exception id')
    .requiredOption('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global')
    .requiredOption('--reason <text>', 'why you agree')
    .requiredOption('--key <file>', 'your key file')
    .action(async (id: string, o: Signed & { scope: string }) => {
      const scope = scopeOption(o.scope);
      const key = await deps.readKey(o.key);
      const answer = await deps.withClient((c) =>
        c.overrides.approveException(scope, id, { key, reason: o.reason }),
      );
      answered(
        deps,
        answer,
        key.principal,
        'It applies from the next policy check of every matching change.',
      );
    });
  exceptions
    .command('revoke')
    .description('end an exception now')
    .argument('<id>', 'the exception id')
    .requiredOption('--scope <scope>', 'zone:<zone>, tenant:<tenant> or global')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--key <file>', 'your key file')
    .action(async (id: string, o: Signed & { scope: string }) => {
      const scope = scopeOption(o.scope);
      const key = await deps.readKey(o.key);
      const answer = await deps.withClient((c) =>
        c.overrides.revokeException(scope, id, { key, reason: o.reason }),
      );
      answered(deps, answer, key.principal, 'Changes checked from now on no longer see it.');
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
