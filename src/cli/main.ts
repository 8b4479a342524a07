import { Command, CommanderError, Option } from 'commander';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as OneShotValidationModule from './one-shot-validation';
import { finalStates, activeStates } from '../change/states';
import type { ChangeState } from '../change/states';
import type { ChangeView } from '../change/view';
import type * as DecisionCardModule from '../change/decision-card';
import type * as KindsModule from '../kinds/kinds';
import type { CountersignClient } from '../client/countersign-client';
import type * as ClientModule from '../client/countersign-client';
import type * as ConnectionModule from '../client/connection';
import type * as ApproverKeysModule from '../client/approver-keys';
import type { ApproverKeyFile } from '../client/approver-keys';
import type * as ValidationModule from '../schema/validate-recommendation';
import type * as DirectoryModule from '../approvals/directory';
import type * as DirectoryStoreModule from '../../activities/approvals/directory-store';
import type * as YamlModule from 'yaml';
import type * as ListWatchModule from './list-watch';
import type * as DoctorModule from './doctor';
import type * as DoctorReportModule from './doctor-report';
import type * as PolicyActionsModule from './policy-actions';
import type * as ExamplesModule from '../examples';
import {
  ChangeClosedError,
  ChangeNotFoundError,
  DecisionInputError,
  GovernorActionError,
  GovernorNotFoundError,
  RecommendationConflictError,
} from '../client/errors';
import { formatIssue } from '../issues';
import { RecommendationValidationError } from '../schema/recommendation-validation-error';
import { describeTier } from '../policy/decision';
import { ExitCode } from './exit-codes';
import { PolicyFileError } from './policy-file-error';
import { registerPolicyCommands } from './policy-commands';
import { registerGovernorCommands } from './governor-commands';
import { registerOverrideCommands } from './override-commands';
import { registerAuditCommands } from './audit-commands';
import { registerEvidenceCommands } from './evidence-commands';
import { renderTimelines, timelinesOf } from '../evidence/timelines';
import { InputError, readJsonInput } from './read-input';
import { CommandExit } from './command-exit';
import { renderChangeList } from './change-list';
import { nextSteps } from './next-steps';
import type { CommandRuntime } from './command-runtime';
import { setCommandRuntime } from './command-runtime';

/** Before any command loads a schema; `--help` loads no zod at all. */
function validateWithoutCodeGeneration(): void {
  (require('./one-shot-validation') as typeof OneShotValidationModule).validateWithoutCodeGeneration();
}

// Modules a command loads when it runs, not at start: `countersign --help` then loads commander and
// little else (zod schemas, the Temporal client and the evidence stack cost 50-300 ms each).
// require, not import(): tsx's CommonJS hooks, which run the source when no current build exists,
// do not resolve import() of a source file.
const lazy = {
  client: () => require('../client/countersign-client') as typeof ClientModule,
  connection: () => require('../client/connection') as typeof ConnectionModule,
  decisionCard: () => require('../change/decision-card') as typeof DecisionCardModule,
  kinds: () => require('../kinds/kinds') as typeof KindsModule,
  approverKeys: () => require('../client/approver-keys') as typeof ApproverKeysModule,
  validation: () => require('../schema/validate-recommendation') as typeof ValidationModule,
  directory: () => require('../approvals/directory') as typeof DirectoryModule,
  directoryStore: () => require('../../activities/approvals/directory-store') as typeof DirectoryStoreModule,
  yaml: () => require('yaml') as typeof YamlModule,
};

let json = false;
const print = (value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);

async function withClient<T>(fn: (client: CountersignClient) => Promise<T>): Promise<T> {
  let client: CountersignClient;
  try {
    client = new (lazy.client().CountersignClient)(
      await lazy.connection().connectClient(),
      process.env.COUNTERSIGN_TASK_QUEUE ?? undefined,
    );
  } catch (err) {
    throw new CommandExit(
      ExitCode.unavailable,
      `cannot reach Temporal: ${(err as Error).message} (set TEMPORAL_ADDRESS or a profile)`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.client.connection.close();
  }
}

const program = new Command('countersign')
  .description('Govern AI-proposed DNS changes: submit, inspect, approve, reject, audit.')
  .option('--json', 'machine-readable output (documented fields)')
  .showHelpAfterError()
  .exitOverride()
  .hook('preAction', (cmd) => {
    validateWithoutCodeGeneration();
    json = cmd.opts<{ json?: boolean }>().json === true;
  });

program
  .command('submit')
  .description('submit a recommendation (JSON file, or - for standard input)')
  .argument('<file>', 'recommendation JSON, or -')
  .action(async (file: string) => {
    const input = await readJsonInput(file);
    const validated = lazy.validation().validateRecommendation(input);
    if (!validated.ok) throw new RecommendationValidationError(validated.issues);
    const submission = await withClient((client) => client.submit(validated.value));
    const out = {
      workflowId: submission.workflowId,
      recommendationId: submission.recommendationId,
      created: submission.created,
    };
    print(out, `${submission.created ? 'submitted' : 'already submitted'}: ${submission.workflowId}`);
  });

program
  .command('status')
  .description('show the decision card and state of a change')
  .argument('<id>', 'recommendation id or workflow id')
  .action(async (id: string) => {
    const view = await withClient((client) => client.status(id));
    print(view, lazy.decisionCard().renderDecisionCard(view));
  });

program
  .command('list')
  .description('list changes, newest first')
  .addOption(
    new Option('--state <state>', 'only changes in this state').choices([...activeStates, ...finalStates]),
  )
  .option('--limit <n>', 'at most this many', '50')
  .option('--watch [seconds]', 'refresh the table every few seconds (default 2) until Ctrl-C')
  .action(async (options: { state?: ChangeState; limit: string; watch?: string | boolean }) => {
    const query = {
      ...(options.state === undefined ? {} : { state: options.state }),
      limit: Number(options.limit),
    };
    if (options.watch !== undefined) {
      const { watchInterval, watchList } = require('./list-watch') as typeof ListWatchModule;
      const seconds = watchInterval(options.watch);
      if (json)
        throw new InputError('--watch draws a table for people; with --json, run list on your own schedule');
      await withClient((client) =>
        watchList(
          () => client.list(query),
          seconds,
          (text) => process.stdout.write(text),
          process.stdout.isTTY === true,
        ),
      );
      return;
    }
    const rows = await withClient((client) => client.list(query));
    print(
      [...rows].sort((a, b) => b.startTime.localeCompare(a.startTime)),
      renderChangeList(rows),
    );
  });

program
  .command('doctor')
  .description(
    "check what countersign needs, with this environment's settings: worker settings, Temporal (namespace, search attributes, workers), PowerDNS, the approver directory, the policy; says what to fix",
  )
  .action(async () => {
    const { runDoctor } = require('./doctor') as typeof DoctorModule;
    const { renderDoctorReport } = require('./doctor-report') as typeof DoctorReportModule;
    if (!json) console.log('countersign doctor: checking with the settings of this environment ...');
    const checks = await runDoctor();
    print(checks, renderDoctorReport(checks));
    if (checks.some((c) => c.status === 'fail')) process.exitCode = ExitCode.checksFailed;
  });

/** The approver directory the worker uses (COUNTERSIGN_APPROVERS), parsed; undefined when unset. */
async function approverDirectory() {
  const file = process.env.COUNTERSIGN_APPROVERS;
  if (file === undefined || file === '') return undefined;
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new InputError(`COUNTERSIGN_APPROVERS=${file} cannot be read: ${err.message}`);
  });
  return { file, directory: lazy.directoryStore().parseDirectory(text, file) };
}

/** Who the caller is: --as, or the principal of --key (both given, the preAction hook made them agree). */
async function callerOf(options: { as?: string; key?: string }): Promise<string | undefined> {
  if (options.as !== undefined) return options.as;
  return options.key === undefined ? undefined : (await readKey(options.key)).principal;
}

program
  .command('pending')
  .description(
    'changes waiting for an approval you can give (your roles, not your own changes), soonest expiry first; --cooling-off: approved changes that can still be vetoed',
  )
  .option('--as <principal>', 'who you are (your roles come from the approver directory)')
  .option('--key <file>', 'your key file: who you are, as --as')
  .option(
    '--role <role...>',
    'your roles (default: looked up in COUNTERSIGN_APPROVERS, the directory the worker uses)',
  )
  .option(
    '--cooling-off',
    'list the changes in cooling-off instead: approved, executing at the end unless vetoed',
  )
  .action(async (options: { as?: string; key?: string; role?: string[]; coolingOff?: boolean }) => {
    if (options.coolingOff === true) {
      const views = await withClient(async (client) => {
        const rows = await client.list({ state: 'cooling_off', limit: 100 });
        return Promise.all(rows.map((r) => client.status(r.workflowId).catch(() => undefined)));
      });
      const open = views.filter((v): v is ChangeView => v !== undefined && v.state === 'cooling_off');
      open.sort((a, b) => (a.coolingOffUntil ?? '').localeCompare(b.coolingOffUntil ?? ''));
      print(
        open.map((v) => ({
          workflowId: v.workflowId,
          coolingOffUntil: v.coolingOffUntil,
          planHash: v.plan?.hash,
        })),
        open.length === 0
          ? 'nothing is in cooling-off'
          : [
              'in cooling-off, executing at the time shown unless vetoed (countersign reject <id> --key <key file> --plan-hash <hash> --reason "<why>"):',
              ...open.map(
                (v) =>
                  `${v.workflowId}  until ${v.coolingOffUntil ?? '-'}  plan ${v.plan?.hash.slice(0, 16) ?? '-'}  ${lazy.kinds().changeTitle(v.recommendation)}`,
              ),
            ].join('\n'),
      );
      return;
    }
    const principal = await callerOf(options);
    let roles = options.role;
    let rolesFrom = roles === undefined ? '' : 'roles given with --role';
    if (roles === undefined && principal !== undefined) {
      const found = await approverDirectory();
      if (found === undefined)
        rolesFrom = `no approver directory (COUNTERSIGN_APPROVERS is not set): showing changes for any role; set it or pass --role`;
      else {
        const who = lazy.directory().identify(found.directory, principal);
        if (who.kind === 'human') {
          roles = [...who.roles];
          rolesFrom = `roles of ${principal} in ${found.file}: ${roles.join(', ') || 'none'}`;
        } else
          throw new InputError(
            `${principal} is ${who.kind === 'service' ? 'a service principal' : 'not'} in the approver directory ${found.file}; only people listed there under humans can approve`,
          );
      }
    }
    const queue = await withClient((client) =>
      client.pending({
        ...(principal === undefined ? {} : { principal }),
        ...(roles === undefined ? {} : { roles }),
      }),
    );
    const rows = queue.changes;
    const text = rows
      .map(
        (r) =>
          `${r.workflowId}\t${describeTier(r.view.decision?.tier ?? 2)}\tneeds ${r.missing}\texpires ${r.expiresAt}\tplan ${r.view.plan?.hash.slice(0, 16) ?? '-'}\t${lazy.kinds().changeTitle(r.view.recommendation)}`,
      )
      .join('\n');
    const unreadable = queue.unreadable.map((u) => `UNREADABLE ${u.workflowId}: ${u.reason}`).join('\n');
    print(
      {
        changes: rows.map((r) => ({
          workflowId: r.workflowId,
          missing: r.missing,
          expiresAt: r.expiresAt,
          planHash: r.view.plan?.hash,
          tier: r.view.decision?.tier,
        })),
        unreadable: queue.unreadable,
        ...(rolesFrom === '' ? {} : { rolesFrom }),
      },
      [
        rolesFrom,
        rows.length === 0 ? 'nothing waits for you' : text,
        unreadable,
        rows.length === 0
          ? ''
          : 'approve one: countersign approve <id> --key <key file> --plan-hash <plan> --reason "<why>"',
      ]
        .filter((t) => t !== '')
        .join('\n'),
    );
  });

program
  .command('keygen')
  .description('create an approver key (ed25519) and print the directory entry to register it')
  .requiredOption('--as <principal>', 'whose key this is')
  .requiredOption('--out <file>', 'where to write the key file (mode 0600; keep it secret)')
  .option('--key-id <id>', 'the key id to register (default: principal and date)')
  .action(async (options: { as: string; out: string; keyId?: string }) => {
    const found = await approverDirectory();
    const who = found === undefined ? undefined : lazy.directory().identify(found.directory, options.as);
    // Approvals are for people: a key for an agent's principal could never count, and suggests a mix-up.
    if (who?.kind === 'service')
      process.stderr.write(
        `warning: ${options.as} is a service principal in ${found?.file}: its approvals never count (only humans approve). Writing the key anyway; check --as.\n`,
      );
    const keyId =
      options.keyId ?? `${options.as.split('@')[0] ?? 'key'}-${new Date().toISOString().slice(0, 10)}`;
    const key = lazy.approverKeys().generateApproverKey(options.as, keyId);
    await writeFile(options.out, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (err: Error) => {
        throw new InputError(`cannot write ${options.out}: ${err.message}`);
      },
    );
    const entry = { id: options.as, roles: ['<role>'], keys: [{ id: key.keyId, publicKey: key.publicKey }] };
    print(
      { keyFile: options.out, principal: options.as, keyId: key.keyId, publicKey: key.publicKey },
      `key written to ${options.out} (keep it secret)\nregister it in the approver directory under humans:\n${lazy.yaml().stringify([entry])}`,
    );
  });

/**
 * The change's view once a counted decision has taken effect: a final approval moves the change
 * on (to cooling-off or execution) a moment after the update returns, so a view still showing it
 * approved but waiting is read again, soon at first and then less often (25, 50, 100, 200 ms …),
 * for up to 3 s: the approver sees where the change went as soon as it got there (a fixed 200 ms
 * pause made every approval take at least that much longer).
 */
async function settledView(client: CountersignClient, id: string) {
  let view = await client.status(id);
  for (
    let waited = 0, pause = 25;
    waited < 3000 && view.state === 'awaiting_approval' && view.approval?.state.status === 'approved';
    waited += pause, pause = Math.min(pause * 2, 200)
  ) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    view = await client.status(id);
  }
  return view;
}

async function readKey(file: string): Promise<ApproverKeyFile> {
  const parsed = lazy.approverKeys().ApproverKeyFile.safeParse(await readJsonInput(file));
  if (!parsed.success)
    throw new InputError(`${file} is not a countersign key file (countersign keygen writes one)`);
  return parsed.data;
}

for (const decision of ['approve', 'reject'] as const) {
  program
    .command(decision)
    .description(
      decision === 'approve'
        ? 'approve the plan you reviewed, signed with your key'
        : 'reject a change (or veto it during cooling-off), signed with your key',
    )
    .argument('<id>', 'recommendation id or workflow id')
    .requiredOption('--key <file>', 'your key file (countersign keygen)')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--plan-hash <hash>', 'the plan you reviewed, as shown by status (8+ hex characters)')
    .option('--as <principal>', 'who you are; must match the key file')
    .option('--valid-for <seconds>', 'how long the signature stays valid', '600')
    .option('--request-id <id>', 'idempotency key: resending the same id returns the first verdict')
    .action(
      async (
        id: string,
        options: {
          key: string;
          reason: string;
          planHash: string;
          as?: string;
          validFor: string;
          requestId?: string;
        },
      ) => {
        // --as was checked against this key before the command ran (withIdentityOptions).
        const key = await readKey(options.key);
        // One connection for the decision and the view after it; a view that cannot be read still
        // leaves the verdict to print.
        const { verdict, planHash, next } = await withClient(async (client) => {
          const decided = await client.decide(id, {
            key,
            decision,
            reason: options.reason,
            planHash: options.planHash,
            validForSeconds: Number(options.validFor),
            ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
          });
          const steps = await settledView(client, id).then(
            (view) => nextSteps(id, view),
            () => [`follow it: countersign status ${id}`],
          );
          return { ...decided, next: steps };
        });
        print(
          { ...verdict, planHash, principal: key.principal, next },
          [`${verdict.counted ? 'counted' : `refused (${verdict.code})`}: ${verdict.message}`, ...next].join(
            '\n',
          ),
        );
        if (!verdict.counted) process.exitCode = ExitCode.refused;
      },
    );
}

program
  .command('evidence')
  .description(
    'the decision log and the operation log of a change, correlated, and whether its hash chain verifies',
  )
  .argument('<id>', 'recommendation id or workflow id')
  .action(async (id: string) => {
    const { entries, check } = await withClient((client) => client.evidence(id));
    const text = [
      renderTimelines(entries, process.stdout.columns ?? 160),
      '',
      check.ok
        ? `chain verified: ${check.length} entries, head ${check.head}`
        : `CHAIN BROKEN at entry ${check.seq}: ${check.problem}`,
      'sealed bundle, once the change has closed: countersign verify ' + id,
    ].join('\n');
    print({ entries, ...timelinesOf(entries), check }, text);
    if (!check.ok) process.exitCode = ExitCode.evidenceBroken;
  });

registerPolicyCommands(program, (value, text) => print(value, text));
registerGovernorCommands(program, { print, withClient, readKey });
registerOverrideCommands(program, { print, withClient, readKey });
registerAuditCommands(program, { print, withClient });
registerEvidenceCommands(program, { print });

/**
 * The same identity options on every command that acts for a person: each one signed with a key
 * also takes --as, which must name the key's principal (a second check that the right key file was
 * picked up; the signature is what counts).
 */
function withIdentityOptions(command: Command): void {
  const options = command.options.map((o) => o.long);
  if (options.includes('--key') && !options.includes('--as'))
    command.option('--as <principal>', 'who you are; must match the key file');
  for (const sub of command.commands) withIdentityOptions(sub);
}
withIdentityOptions(program);
program.hook('preAction', async (_program, action) => {
  const o = action.opts<{ as?: unknown; key?: unknown }>();
  if (typeof o.as !== 'string' || typeof o.key !== 'string') return;
  const key = await readKey(o.key);
  if (o.as.toLowerCase() !== key.principal.toLowerCase())
    throw new InputError(
      `--as ${o.as} does not match the key file ${o.key}, which belongs to ${key.principal}`,
    );
});

/**
 * The Temporal client names its errors (SymbolBasedInstanceOfError); checking the name spares the
 * error path from loading the client when a command never used it.
 */
function isTemporalError(err: unknown, name: 'ServiceError' | 'WorkflowUpdateFailedError'): boolean {
  return err instanceof Error && err.name === name;
}

function fail(err: unknown): never {
  let code: number = ExitCode.error;
  let message = err instanceof Error ? err.message : String(err);
  let details: unknown;
  if (err instanceof CommandExit) {
    code = err.code;
    details = err.details;
  } else if (err instanceof RecommendationValidationError) {
    code = ExitCode.invalidInput;
    details = err.issues;
    message = `invalid recommendation:\n${err.issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`;
  } else if (err instanceof PolicyFileError) {
    code = ExitCode.invalidInput;
    details = err.lines;
  } else if (err instanceof InputError) code = ExitCode.invalidInput;
  else if (err instanceof ChangeNotFoundError) code = ExitCode.notFound;
  else if (err instanceof GovernorNotFoundError) code = ExitCode.notFound;
  else if (err instanceof GovernorActionError) code = ExitCode.refused;
  else if (err instanceof DecisionInputError) code = ExitCode.invalidInput;
  else if (err instanceof ChangeClosedError) code = ExitCode.refused;
  else if (err instanceof RecommendationConflictError) code = ExitCode.refused;
  else if (isTemporalError(err, 'WorkflowUpdateFailedError')) code = ExitCode.refused;
  else if (isTemporalError(err, 'ServiceError')) code = ExitCode.unavailable;
  if (json)
    console.log(
      JSON.stringify({ error: { code, message, ...(details === undefined ? {} : { details }) } }, null, 2),
    );
  else console.error(`countersign: ${message}`);
  process.exit(code);
}

/**
 * Loads, without running anything, every module the everyday commands load when they run. The
 * build calls it before writing the command's code cache (bin/code-cache.js), so those modules
 * start compiled; the evidence commands, which load a Temporal worker, are left out.
 */
export function loadEveryCommandModule(): void {
  validateWithoutCodeGeneration();
  for (const load of Object.values(lazy)) load();
  require('./list-watch');
  require('./doctor');
  require('./doctor-report');
  require('./policy-actions');
  require('../policy/cases');
  require('../policy/parse');
  require('../../activities/powerdns/client');
  require('./incident-receiver');
  require('../governor/status');
  require('../overrides/exception');
  require('../overrides/overrides-status');
}

/**
 * Runs `policy explain` once on a sample recommendation, with the live state given, so the code
 * cache the build writes next also holds the functions that parse and evaluate (the policy YAML,
 * the schemas, the rules), not only the modules' top levels, and writes the help (not shown). With
 * the build's policy cache, the shipped policy is parsed the first time and read back after, as a
 * user's command does.
 */
export async function exerciseEverydayPaths(runtime: CommandRuntime = {}): Promise<void> {
  setCommandRuntime(runtime);
  const { explain } = require('./policy-actions') as typeof PolicyActionsModule;
  const { defaultPolicyPath } = require('../../activities/policy/default-policy-path') as {
    defaultPolicyPath: string;
  };
  const { exampleRecommendation } = require('../examples') as typeof ExamplesModule;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-warm-'));
  try {
    const rec = exampleRecommendation({
      id: 'code-cache-warm-up',
      zone: 'example.com.',
      environment: 'production',
      change: {
        kind: 'dns.upsert_rrset',
        name: 'api.example.com.',
        type: 'A',
        ttl: 300,
        records: ['192.0.2.21'],
      },
    });
    await writeFile(path.join(dir, 'rec.json'), JSON.stringify(rec));
    await writeFile(path.join(dir, 'live.json'), JSON.stringify({ ttl: 300, records: ['192.0.2.20'] }));
    await explain(
      path.join(dir, 'rec.json'),
      { policy: defaultPolicyPath, live: path.join(dir, 'live.json'), zoneRecords: '100' },
      () => undefined,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  program.helpInformation();
}

export async function main(argv: string[], runtime: CommandRuntime = {}): Promise<void> {
  setCommandRuntime(runtime);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return;
      process.exit(ExitCode.invalidInput);
    }
    fail(err);
  }
}
