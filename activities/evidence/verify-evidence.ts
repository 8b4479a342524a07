import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { SealedBundle } from '../../src/evidence/bundle';
import { checkBundle } from '../../src/evidence/bundle';
import { bundleKeyOf, ledgerKeyOf, ledgerPrefix, parseSealMark, sealKeyOf } from '../../src/evidence/layout';
import type { LedgerEntry, LedgerHead } from '../../src/evidence/ledger';
import { parseLedgerEntry, verifyLedger } from '../../src/evidence/ledger';
import type { TrustedKey } from '../../src/evidence/signing';
import { dataConverter } from '../../src/payloads/data-converter';
import type { BundleContent } from '../../src/evidence/bundle';
import { contentFromHistory } from '../../src/evidence/from-history';
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
  /** The change the auditor asked about: a bundle of any other change fails, whatever else holds. */
  readonly expect?: { readonly workflowId: string; readonly runId?: string };
}

/**
 * The newest sealed run of a change, found through the verified ledger (never through a listing an
 * operator could add to): the entry, and the bytes stored under the key it names.
 */
export async function findSealed(
  store: EvidenceStore,
  trusted: readonly TrustedKey[],
  workflowId: string,
): Promise<
  | { readonly run: { workflowId: string; runId: string }; readonly bytes: Uint8Array | undefined }
  | string
  | null
> {
  const entries = await readLedger(store);
  if (typeof entries === 'string') return entries;
  const chain = verifyLedger(entries, trusted);
  if (!chain.ok) return `ledger entry ${chain.index} ${chain.problem}`;
  const entry = [...entries].reverse().find((e) => e.change.workflowId === workflowId);
  if (entry === undefined) return null;
  return { run: entry.change, bytes: await store.get(entry.bundle.key) };
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
    const mark = parseSealMark(markBytes);
    if (mark === null) return 'the seal mark of this change is not readable';
    index = mark.index;
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
 * Everything in the bundle must be what its embedded history says: the content is derived again
 * from the history (entries, recommendation, policy, approvals, outcome, the change's run, type,
 * ending and time, the task queue) and must be the same. The history is the trail; the rest of the
 * bundle is a readable copy of it.
 */
function historyAgrees(sealed: SealedBundle): string | null {
  let history: temporal.api.history.v1.IHistory;
  try {
    history = historyFromJSON(sealed.content.history);
  } catch (err) {
    return `the embedded history is not a Temporal history: ${(err as Error).message}`;
  }
  const derived = contentFromHistory(history, {
    namespace: sealed.content.deployment.namespace,
    workflowId: sealed.content.change.workflowId,
  });
  if (typeof derived === 'string') return derived;
  const differing = (Object.keys(derived) as (keyof BundleContent)[]).filter(
    (field) => field !== 'history' && canonicalJson(derived[field]) !== canonicalJson(sealed.content[field]),
  );
  if (differing.length > 0) return `${differing.join(', ')} differ from what the embedded history says`;
  if (canonicalJson({ ...derived, history: sealed.content.history }) !== canonicalJson(sealed.content))
    return 'the content holds fields its history does not explain';
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
  const expected = options.expect;
  if (
    expected !== undefined &&
    (change.workflowId !== expected.workflowId ||
      (expected.runId !== undefined && change.runId !== expected.runId))
  ) {
    lines.push({
      check: 'ledger',
      status: 'failed',
      detail: `this is the bundle of ${change.workflowId} (run ${change.runId}), not of ${expected.workflowId}${expected.runId === undefined ? '' : ` (run ${expected.runId})`}`,
    });
    return { ok: false, failure: 'ledger', lines, change };
  }
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
  // A newer version or a delete marker over a sealed object is tampering, even though reads see the locked original.
  const tampered = (await store.anomalies?.('')) ?? [];
  const entries = await readLedger(store);
  if (typeof entries === 'string')
    return { ok: false, head: null, entries: 0, problems: [entries, ...tampered] };
  const problems: string[] = [...tampered];
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

/**
 * Every run the verified ledger anchors, by `workflowId/runId`: what "sealed" means to an audit
 * (seal marks are only pointers). A ledger that does not verify, or a store showing tampering, is
 * a problem to report instead.
 */
export async function sealedRuns(
  store: EvidenceStore,
  trusted: readonly TrustedKey[],
): Promise<Map<string, { readonly index: number; readonly digest: string }> | string> {
  const tampered = (await store.anomalies?.('')) ?? [];
  if (tampered.length > 0) return `the store shows tampering: ${tampered.join('; ')}`;
  const entries = await readLedger(store);
  if (typeof entries === 'string') return entries;
  const chain = verifyLedger(entries, trusted);
  if (!chain.ok) return `ledger entry ${chain.index} ${chain.problem}`;
  return new Map(
    entries.map((e) => [
      `${e.change.workflowId}/${e.change.runId}`,
      { index: e.index, digest: e.bundle.digest },
    ]),
  );
}
