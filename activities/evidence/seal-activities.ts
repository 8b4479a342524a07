import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { bundleBytes, canonicalBytes, sealBundle } from '../../src/evidence/bundle';
import { contentFromHistory } from '../../src/evidence/from-history';
import type { LedgerHead } from '../../src/evidence/ledger';
import { appendLedgerEntry, ledgerGenesis, parseLedgerEntry } from '../../src/evidence/ledger';
import type { SealMark } from '../../src/evidence/layout';
import { parseSealMark } from '../../src/evidence/layout';
import { bundleKeyOf, ledgerKeyOf, ledgerPrefix, sealKeyOf } from '../../src/evidence/layout';
import type { SealRequest } from '../../src/evidence/ledger-protocol';
import type { SigningKey } from '../../src/evidence/signing';
import { FailureType } from '../../src/failures';
import type { EvidenceStore } from './evidence-store';
import { EvidenceConflictError } from './evidence-store';

export interface SealActivityDeps {
  readonly client: Client;
  readonly store: EvidenceStore;
  /** The deployment's evidence key: only this worker holds it; nothing it signs carries it. */
  readonly key: SigningKey;
  readonly logger: Logger;
}

/** How long a change that asked to be sealed may still be running before the ledger moves on. */
const stillRunningPatienceMs = 60_000;

/**
 * An error no retry can fix because it comes from the change's own id (too long for the store, or
 * not encodable as a key): the change is left unsealed, visibly, and the ledger goes on. Anything
 * else (an outage) is retried.
 */
function unsealable(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const name = (err as Error).name;
  if (code === 'ENAMETOOLONG' || name === 'KeyTooLongError' || /store key part/.test((err as Error).message))
    return conflict(`its id cannot be stored as evidence: ${(err as Error).message}`);
  return err;
}

const conflict = (message: string) =>
  ApplicationFailure.create({ type: FailureType.EvidenceConflict, message, nonRetryable: true });

/**
 * The exporter: seals a closed change into a signed bundle and anchors it in the ledger. The
 * ledger workflow calls it once per change, in order, handing it the head it knows; every object
 * is written once, so a retry after a crash between a write and its answer finds its own bytes
 * and goes on.
 */
export function createSealActivities(deps: SealActivityDeps) {
  const waitUntilClosed = async (request: SealRequest) => {
    const handle = deps.client.workflow.getHandle(request.workflowId, request.runId);
    // The change asks to be sealed just before it returns: it closes within moments. One that stays
    // open (a request sent early, by mistake or malice) must not hold up every change behind it:
    // it is let go, and asks again itself when it closes.
    const patience = Date.now() + stillRunningPatienceMs;
    for (;;) {
      let description;
      try {
        description = await handle.describe();
      } catch (err) {
        // No retry makes a missing execution appear: record it unsealed and let the ledger go on.
        if (err instanceof WorkflowNotFoundError)
          throw conflict(`${request.workflowId} (run ${request.runId}) is not a workflow execution here`);
        throw err;
      }
      // Only changes ask to be sealed; any other workflow (a governor, this ledger) may never close.
      if (description.type !== 'changeWorkflow')
        throw conflict(
          `${request.workflowId} is a ${description.type}, not a change; only changes are sealed`,
        );
      if (description.status.name !== 'RUNNING') return handle;
      if (Date.now() > patience)
        throw conflict(`${request.workflowId} is still running: it is sealed when it closes and asks again`);
      Context.current().heartbeat();
      await Context.current().sleep(250);
    }
  };

  const requireEntryOf = async (request: SealRequest, mark: SealMark) => {
    const bytes = await deps.store.get(ledgerKeyOf(mark.index));
    const entry = bytes === undefined ? 'missing' : parseLedgerEntry(bytes);
    if (
      typeof entry === 'string' ||
      entry.change.workflowId !== request.workflowId ||
      entry.change.runId !== request.runId
    )
      throw conflict(
        `${request.workflowId} is marked sealed at ledger entry ${mark.index}, which does not anchor it: a mark nobody sealed`,
      );
    return entry;
  };

  /**
   * The ledger entry a seal mark points at, as the head after it; a retry after a crash between
   * the mark's write and the answer is handed the head from before the entry, its predecessor.
   */
  const headOfMark = async (request: SealRequest, mark: SealMark, known: LedgerHead | null) => {
    const entry = await requireEntryOf(request, mark);
    const follows =
      known === null
        ? entry.index === 0 && entry.prevHash === ledgerGenesis
        : entry.index === known.index + 1 && entry.prevHash === known.hash;
    if (!follows)
      throw conflict(
        `${request.workflowId} is sealed at ledger entry ${mark.index}, beyond the head the exporter knows`,
      );
    return { index: entry.index, hash: entry.hash };
  };

  /**
   * The newest stored entry, unless it anchors this very change: then a previous attempt wrote it
   * and died before its seal mark, and the retry must rebuild the same entry on the same head.
   */
  const headBefore = async (request: SealRequest): Promise<LedgerHead | null> => {
    const newest = await storedEntry();
    if (newest === null) return null;
    const ours = newest.change.workflowId === request.workflowId && newest.change.runId === request.runId;
    if (!ours) return { index: newest.index, hash: newest.hash };
    return newest.index === 0 ? null : { index: newest.index - 1, hash: newest.prevHash };
  };

  /** The store's newest entry: where a ledger that lost its head (a new Temporal server) resumes. */
  const storedEntry = async () => {
    const keys = await deps.store.list(ledgerPrefix);
    const last = keys[keys.length - 1];
    if (last === undefined) return null;
    const bytes = await deps.store.get(last);
    const entry = bytes === undefined ? 'missing' : parseLedgerEntry(bytes);
    if (typeof entry === 'string')
      throw conflict(
        `the newest ledger entry ${last} cannot be read (${entry}); check the store before sealing more`,
      );
    return entry;
  };
  const storedHead = async (): Promise<LedgerHead | null> => {
    const entry = await storedEntry();
    return entry === null ? null : { index: entry.index, hash: entry.hash };
  };

  const putOnce = async (key: string, bytes: Uint8Array) => {
    try {
      return await deps.store.putOnce(key, bytes);
    } catch (err) {
      if (err instanceof EvidenceConflictError)
        throw conflict(
          `${err.message} (${deps.store.description}); the evidence there differs from what this exporter seals: investigate before sealing more`,
        );
      throw unsealable(err);
    }
  };

  return {
    async sealChange(request: SealRequest, known: LedgerHead | null): Promise<LedgerHead> {
      const log = deps.logger.child({ workflowId: request.workflowId, runId: request.runId });
      let already: Uint8Array | undefined;
      try {
        already = await deps.store.get(sealKeyOf(request));
      } catch (err) {
        throw unsealable(err);
      }
      if (already !== undefined) {
        const mark = parseSealMark(already);
        if (mark === null)
          throw conflict(`the seal mark of ${request.workflowId} is not one: investigate the store`);
        log.info({ index: mark.index }, 'change already sealed; the ledger goes on from its head');
        const head = known ?? (await storedHead());
        if (head !== null && mark.index <= head.index) {
          // A mark is a pointer, not proof: it counts only if the entry it names anchors this run.
          await requireEntryOf(request, mark);
          return head;
        }
        return headOfMark(request, mark, known);
      }
      const head = known ?? (await headBefore(request));
      const handle = await waitUntilClosed(request);
      const content = contentFromHistory(await handle.fetchHistory(), {
        namespace: Context.current().info.namespace,
        workflowId: request.workflowId,
      });
      if (typeof content === 'string') throw conflict(`${request.workflowId} cannot be sealed: ${content}`);
      if (content.change.runId !== request.runId)
        throw conflict(
          `${request.workflowId}: the history is of run ${content.change.runId}, not ${request.runId}`,
        );
      const close = { at: content.change.closedAt };
      const sealed = sealBundle(content, deps.key);
      const bundleKey = bundleKeyOf(request);
      const bytes = bundleBytes(sealed);
      const wrote = await putOnce(bundleKey, bytes);
      const entry = appendLedgerEntry(
        head,
        { key: bundleKey, digest: sealed.digest },
        {
          workflowId: request.workflowId,
          runId: request.runId,
          closedAt: close.at,
        },
        deps.key,
      );
      await putOnce(ledgerKeyOf(entry.index), canonicalBytes(entry));
      const mark: SealMark = { index: entry.index, bundleKey, digest: sealed.digest };
      await putOnce(sealKeyOf(request), canonicalBytes(mark));
      log.info(
        {
          index: entry.index,
          digest: sealed.digest,
          bytes: bytes.byteLength,
          keyId: deps.key.keyId,
          bundle: wrote,
        },
        'change sealed and anchored in the ledger',
      );
      return { index: entry.index, hash: entry.hash };
    },
  };
}

export type SealActivities = ReturnType<typeof createSealActivities>;
