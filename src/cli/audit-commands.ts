import type { Command } from 'commander';
import { Option } from 'commander';
import { auditLineOf } from '../audit/audit-line';
import type { ChangeRecord } from '../audit/change-record';
import type { AuditFilter } from '../audit/filters';
import { filterRecords } from '../audit/filters';
import { renderAuditTable, renderReport } from '../audit/render';
import { buildReport } from '../audit/report';
import { verdictRows } from '../audit/verdicts';
import type { Window, WindowBasis } from '../audit/window';
import { parseWindow } from '../audit/window';
import { activeStates, finalStates } from '../change/states';
import type { ChangeState } from '../change/states';
import type { AuditListing } from '../client/audit-client';
import type * as AuditClientModule from '../client/audit-client';
import type { CountersignClient } from '../client/countersign-client';
import { InputError } from './read-input';
import type { Sealing } from '../audit/sealing';
import { renderSealing, sealOf, sealingSummary } from '../audit/sealing';
import type * as VerifyModule from '../../activities/evidence/verify-evidence';
import type * as EvidenceKeyModule from '../../workers/evidence-key';
import type * as EvidenceConfigModule from '../../workers/evidence-config';

// Loaded when a command runs (see main.ts): the audit client is the Temporal client, and checking
// the ledger needs the S3 client and the Temporal worker.
const auditClient = () => require('../client/audit-client') as typeof AuditClientModule;
const verify = () => require('../../activities/evidence/verify-evidence') as typeof VerifyModule;
const evidenceConfig = () => require('../../workers/evidence-config') as typeof EvidenceConfigModule;
const evidenceKey = () => require('../../workers/evidence-key') as typeof EvidenceKeyModule;

export interface AuditCommandDeps {
  readonly print: (value: unknown, text: string) => void;
  readonly withClient: <T>(fn: (client: CountersignClient) => Promise<T>) => Promise<T>;
}

interface Selection {
  since?: string;
  until?: string;
  zone?: string;
  tenant?: string;
  tier?: string;
  state?: ChangeState;
  approver?: string;
  incident?: string;
  model?: string;
  limit: string;
  store?: string;
  keyring?: string;
}

const tiers = ['0', '1', '2', '3', 'blocked'];

function windowOf(o: Selection): Window {
  const parsed = parseWindow({ since: o.since, until: o.until }, Date.now());
  if (!parsed.ok) throw new InputError(parsed.message);
  return parsed.window;
}

function limitOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`--limit: expected a whole number of changes, 1 or more, received "${text}"`);
  return n;
}

/** Lists through visibility, then filters the records on everything (visibility only narrows). */
async function select(
  deps: AuditCommandDeps,
  o: Selection,
  basis: WindowBasis,
): Promise<{ records: ChangeRecord[]; listing: AuditListing; window: Window }> {
  const window = windowOf(o);
  const limit = limitOf(o.limit);
  const listing = await deps.withClient((client) =>
    new (auditClient().AuditClient)(client.client).records({
      window,
      basis,
      limit,
      ...(o.zone === undefined ? {} : { zone: o.zone }),
      ...(o.tier === undefined ? {} : { tier: o.tier }),
      ...(o.state === undefined ? {} : { state: o.state }),
    }),
  );
  const filter: AuditFilter = { window, basis };
  for (const key of ['zone', 'tenant', 'tier', 'state', 'approver', 'incident', 'model'] as const) {
    const value = o[key];
    if (value !== undefined) Object.assign(filter, { [key]: value });
  }
  warn(listing, limit);
  return { records: filterRecords(listing.records, filter), listing, window };
}

/**
 * Which closed changes the verified ledger anchors, from the evidence store (`--store`, or the
 * configured bucket or folder) and the keyring; null when there is no store to ask.
 */
async function sealsOf(o: Selection): Promise<Sealing | null> {
  const store = await evidenceConfig().auditorStore(o.store);
  if (store === null) return null;
  const keyringFile = o.keyring ?? process.env.COUNTERSIGN_EVIDENCE_KEYRING;
  if (keyringFile === undefined || keyringFile === '')
    return {
      store: store.description,
      problem: 'no keyring (--keyring or COUNTERSIGN_EVIDENCE_KEYRING) to verify the ledger with',
    };
  let trusted;
  try {
    trusted = evidenceKey().loadKeyring(keyringFile).keys;
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  const runs = await verify().sealedRuns(store, trusted);
  return typeof runs === 'string'
    ? { store: store.description, problem: runs }
    : { store: store.description, runs };
}

/** What could not be read goes to standard error: never hidden, never mixed into JSON lines. */
function warn(listing: AuditListing, limit: number): void {
  for (const u of listing.unreadable) console.error(`countersign: unreadable ${u.workflowId}: ${u.reason}`);
  if (listing.truncated)
    console.error(
      `countersign: more than ${limit} changes matched; only the newest ${limit} were read (narrow the window or raise --limit)`,
    );
}

const jsonMode = (cmd: Command) => cmd.optsWithGlobals<{ json?: boolean }>().json === true;

function windowOptions(cmd: Command, sinceDefault?: string): Command {
  return cmd
    .option(
      '--since <when>',
      'from: a duration back from now (7d, 24h) or an ISO date or time',
      ...(sinceDefault === undefined ? [] : [sinceDefault]),
    )
    .option('--until <when>', 'to (default now): a duration back from now or an ISO date or time')
    .option('--zone <zone>', 'only this zone (or domain)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--limit <n>', 'read at most this many changes, newest first', '1000')
    .option(
      '--store <dir>',
      'check sealing in this evidence folder (default: the configured bucket or folder)',
    )
    .option(
      '--keyring <file>',
      'the public keyring to verify the ledger with (default: COUNTERSIGN_EVIDENCE_KEYRING)',
    );
}

/** `countersign audit|report|verdicts`: what was proposed, decided and done, read from Temporal. */
export function registerAuditCommands(program: Command, deps: AuditCommandDeps): void {
  windowOptions(
    program
      .command('audit')
      .description(
        'changes open at any time in a window, filtered; a table, or JSON lines (--json) for a SIEM',
      ),
  )
    .addOption(new Option('--tier <tier>', 'only this tier').choices(tiers))
    .addOption(
      new Option('--state <state>', 'only changes in this state').choices([...activeStates, ...finalStates]),
    )
    .option('--approver <principal>', 'only changes this person approved, rejected or broke glass for')
    .option('--incident <id>', 'only changes proposed for this incident')
    .option('--model <model>', 'only this model (name, version, or name@version)')
    .action(async (o: Selection, cmd: Command) => {
      const { records } = await select(deps, o, 'active');
      const sealing = await sealsOf(o);
      const sealedField = (r: ChangeRecord) => {
        const seal = sealOf(sealing, r);
        return seal === undefined ? {} : { sealed: seal };
      };
      if (jsonMode(cmd))
        for (const r of records) console.log(JSON.stringify({ ...auditLineOf(r), ...sealedField(r) }));
      else
        console.log(
          `${renderAuditTable(records)}\n\n${renderSealing(sealing === null ? null : sealingSummary(records, sealing))}`,
        );
    });

  windowOptions(
    program
      .command('report')
      .description(
        'the summary a team reads: routes and outcomes, approval latency, rejections, rollbacks, overrides, repeated suggestions, models',
      ),
    '7d',
  )
    .option('--model <model>', 'only this model (name, version, or name@version)')
    .action(async (o: Selection) => {
      const { records, window } = await select(deps, o, 'opened');
      const report = buildReport(records, window);
      const sealing = await sealsOf(o);
      const summary = sealing === null ? null : sealingSummary(records, sealing);
      deps.print({ ...report, sealing: summary }, `${renderReport(report)}\n\n${renderSealing(summary)}`);
    });

  windowOptions(
    program
      .command('verdicts')
      .alias('export-verdicts')
      .description(
        'JSON lines, one per change closed in the window that policy or a person decided: proposal, model, policy decision, human verdict, outcome',
      ),
    '7d',
  )
    .option('--model <model>', 'only this model (name, version, or name@version)')
    .action(async (o: Selection) => {
      const { records } = await select(deps, o, 'closed');
      for (const row of verdictRows(records)) console.log(JSON.stringify(row));
    });
}
