import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { SealedBundle } from '../../src/evidence/bundle';
import { checkBundle } from '../../src/evidence/bundle';
import type { SealMark } from '../../src/evidence/layout';
import { bundleKeyOf, ledgerKeyOf, ledgerPrefix, sealKeyOf } from '../../src/evidence/layout';
import type { LedgerEntry, LedgerHead } from '../../src/evidence/ledger';
import { parseLedgerEntry, verifyLedger } from '../../src/evidence/ledger';
import type { TrustedKey } from '../../src/evidence/signing';
import { dataConverter } from '../../src/payloads/data-converter';
import { payloadConverter } from '../../src/payloads/payload-converter';
import type { ChangeResult } from '../../src/change/view';
import { canonicalJson } from '../../src/hash';
import type { EvidenceStore } from './evidence-store';

/**
 * Offline verification of sealed evidence: no Temporal server, only the bundle, the keyring, the
 * store's ledger and this build's workflow code. Each kind of failure is its own outcome, so a
 * script (and the CLI's exit code) can tell an edited bundle from a missing ledger entry.
 */
export type FailureKind = 'unreadable' | 'unknown_key' | 'chain' | 'signature' | 'ledger' | 'replay';

export interface CheckLine {
  readonly check: 'bundle' | 'entries' | 'signature' | 'ledger' | 'replay';
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly detail: string;
}

export interface EvidenceVerdict {
  readonly ok: boolean;
  /** The first failure, in the order the checks run. */
  readonly failure: FailureKind | null;
  readonly lines: readonly CheckLine[];
  readonly change?: SealedBundle['content']['change'];
}

export interface VerifyOptions {
  readonly trusted: readonly TrustedKey[];
  /** Where the ledger is; null: ledger inclusion is skipped (and said so). */
  readonly store: EvidenceStore | null;
  /** Replay against a pre-built workflow bundle (tests), this build's workflows otherwise; false: skipped. */
  readonly replay: false | { readonly workflowBundlePath?: string };
}

async function readLedger(store: EvidenceStore, upTo?: number): Promise<LedgerEntry[] | string> {
  const keys = await store.list(ledgerPrefix);
  const entries: LedgerEntry[] = [];
  for (const key of keys) {
    const bytes = await store.get(key);
    if (bytes === undefined) return `${key} vanished while being read`;
    const entry = parseLedgerEntry(bytes);
    if (typeof entry === 'string') return `${key} is not a ledger entry: ${entry}`;
    if (key !== ledgerKeyOf(entry.index)) return `${key} holds entry ${entry.index}`;
    entries.push(entry);
    if (upTo !== undefined && entry.index >= upTo) break;
  }
  return entries;
}

async function ledgerInclusion(
  store: EvidenceStore,
  sealed: SealedBundle,
  trusted: readonly TrustedKey[],
): Promise<{ readonly index: number } | string> {
  const { workflowId, runId } = sealed.content.change;
  const markBytes = await store.get(sealKeyOf({ workflowId, runId }));
  let index: number | undefined;
  if (markBytes !== undefined) {
    try {
      index = (JSON.parse(Buffer.from(markBytes).toString('utf8')) as SealMark).index;
    } catch {
      return 'the seal mark of this change is not readable';
    }
  }
  // The chain up to this change's entry is what anchors it; later entries are `ledger verify`'s job.
  const entries = await readLedger(store, index);
  if (typeof entries === 'string') return entries;
  const chain = verifyLedger(entries, trusted);
  if (!chain.ok) return `ledger entry ${chain.index} ${chain.problem}`;
  const entry =
    (index === undefined ? undefined : entries[index]) ??
    entries.find((e) => e.bundle.digest === sealed.digest);
  if (entry === undefined)
    return `no ledger entry anchors this bundle (digest ${sealed.digest.slice(0, 16)}…)`;
  if (entry.bundle.digest !== sealed.digest)
    return `ledger entry ${entry.index} anchors digest ${entry.bundle.digest.slice(0, 16)}…, this bundle is ${sealed.digest.slice(0, 16)}…`;
  if (
    entry.change.workflowId !== workflowId ||
    entry.change.runId !== runId ||
    entry.bundle.key !== bundleKeyOf({ workflowId, runId })
  )
    return `ledger entry ${entry.index} names another change`;
  return { index: entry.index };
}

async function replays(sealed: SealedBundle, bundlePath: string | undefined): Promise<string | null> {
  let history: temporal.api.history.v1.IHistory;
  try {
    history = historyFromJSON(sealed.content.history);
  } catch (err) {
    return `the embedded history is not a Temporal history: ${(err as Error).message}`;
  }
  try {
    await Worker.runReplayHistory(
      {
        ...(bundlePath === undefined
          ? { workflowsPath: require.resolve('../../workflows') }
          : { workflowBundle: { codePath: bundlePath } }),
        // The workers' workflow interceptors: a traced change replays only with them in the bundle.
        interceptors: {
          workflowModules:
            bundlePath === undefined ? [require.resolve('../../workflows/tracing-interceptors')] : [],
        },
        dataConverter,
      },
      history,
      sealed.content.change.workflowId,
    );
    return null;
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message.split('\n')[0]}`;
  }
}

/**
 * The entries, recommendation and outcome must be those the embedded history's result holds: the
 * history is the trail, the rest of the bundle is a readable copy of it.
 */
function historyAgrees(sealed: SealedBundle): string | null {
  let history: temporal.api.history.v1.IHistory;
  try {
    history = historyFromJSON(sealed.content.history);
  } catch (err) {
    return `the embedded history is not a Temporal history: ${(err as Error).message}`;
  }
  const events = history.events ?? [];
  const payload = events[events.length - 1]?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  const result = payload == null ? null : payloadConverter.fromPayload<Partial<ChangeResult>>(payload);
  const entries = result?.evidence ?? [];
  if (canonicalJson(entries) !== canonicalJson(sealed.content.entries))
    return "the entries are not the ones the embedded history's result holds";
  if (canonicalJson(result?.view?.recommendation ?? null) !== canonicalJson(sealed.content.recommendation))
    return "the recommendation is not the one the embedded history's result holds";
  return null;
}

export async function verifyEvidence(bytes: Uint8Array, options: VerifyOptions): Promise<EvidenceVerdict> {
  const lines: CheckLine[] = [];
  const bundle = checkBundle(bytes, options.trusted);
  if (!bundle.ok) {
    const { kind, detail } = bundle.problem;
    const check = kind === 'chain' ? 'entries' : kind === 'unreadable' ? 'bundle' : 'signature';
    if (kind === 'chain' || kind === 'signature' || kind === 'unknown_key')
      lines.push({ check: 'bundle', status: 'ok', detail: 'a sealed evidence bundle' });
    lines.push({ check, status: 'failed', detail });
    return {
      ok: false,
      failure: kind,
      lines,
      ...(bundle.sealed === undefined ? {} : { change: bundle.sealed.content.change }),
    };
  }
  const { sealed } = bundle;
  const { change } = sealed.content;
  const disagreement = historyAgrees(sealed);
  if (disagreement !== null) {
    lines.push({ check: 'bundle', status: 'ok', detail: 'a sealed evidence bundle' });
    lines.push({ check: 'entries', status: 'failed', detail: disagreement });
    return { ok: false, failure: 'chain', lines, change };
  }
  lines.push(
    {
      check: 'bundle',
      status: 'ok',
      detail: `${change.workflowId} (run ${change.runId}), closed ${change.closedAt} ${change.closeStatus}`,
    },
    {
      check: 'entries',
      status: 'ok',
      detail: `${sealed.content.entries.length} entries chained, ${sealed.content.approvals.length} human decisions`,
    },
    {
      check: 'signature',
      status: 'ok',
      detail: `signed by ${sealed.signature.keyId}, digest ${sealed.digest}`,
    },
  );
  let failure: FailureKind | null = null;
  if (options.store === null)
    lines.push({ check: 'ledger', status: 'skipped', detail: 'no evidence store given' });
  else {
    const inclusion = await ledgerInclusion(options.store, sealed, options.trusted);
    if (typeof inclusion !== 'string')
      lines.push({
        check: 'ledger',
        status: 'ok',
        detail: `entry #${inclusion.index} of the ledger in ${options.store.description}`,
      });
    else {
      lines.push({ check: 'ledger', status: 'failed', detail: inclusion });
      failure = 'ledger';
    }
  }
  if (options.replay === false) lines.push({ check: 'replay', status: 'skipped', detail: 'not asked for' });
  else {
    const problem = await replays(sealed, options.replay.workflowBundlePath);
    if (problem === null)
      lines.push({
        check: 'replay',
        status: 'ok',
        detail: `${(sealed.content.history as { events: unknown[] }).events.length} history events replay on this build's workflow code`,
      });
    else {
      lines.push({ check: 'replay', status: 'failed', detail: problem });
      failure ??= 'replay';
    }
  }
  return { ok: failure === null, failure, lines, change };
}

export interface LedgerVerdict {
  readonly ok: boolean;
  readonly head: LedgerHead | null;
  readonly entries: number;
  readonly problems: readonly string[];
}

/** The whole ledger: every entry linked and signed, every bundle it anchors present and intact. */
export async function verifyStoredLedger(
  store: EvidenceStore,
  trusted: readonly TrustedKey[],
): Promise<LedgerVerdict> {
  const entries = await readLedger(store);
  if (typeof entries === 'string') return { ok: false, head: null, entries: 0, problems: [entries] };
  const problems: string[] = [];
  const chain = verifyLedger(entries, trusted);
  if (!chain.ok) problems.push(`ledger entry ${chain.index} ${chain.problem}`);
  for (const entry of entries) {
    const bytes = await store.get(entry.bundle.key);
    if (bytes === undefined) {
      problems.push(
        `ledger entry ${entry.index}: the bundle of ${entry.change.workflowId} is missing (${entry.bundle.key})`,
      );
      continue;
    }
    const bundle = checkBundle(bytes, trusted);
    if (!bundle.ok)
      problems.push(
        `ledger entry ${entry.index}: the bundle of ${entry.change.workflowId} fails: ${bundle.problem.detail}`,
      );
    else if (bundle.sealed.digest !== entry.bundle.digest)
      problems.push(
        `ledger entry ${entry.index}: the bundle of ${entry.change.workflowId} is not the one anchored`,
      );
  }
  return { ok: problems.length === 0, head: chain.ok ? chain.head : null, entries: entries.length, problems };
}
