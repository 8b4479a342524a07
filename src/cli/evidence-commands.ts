import type { Command } from 'commander';
import type * as WorkerModule from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import type { FailureKind } from '../../activities/evidence/verify-evidence';
import type * as VerifyModule from '../../activities/evidence/verify-evidence';
import { CommandExit } from './command-exit';
import type * as EvidenceConfigModule from '../../workers/evidence-config';
import type * as EvidenceKeyModule from '../../workers/evidence-key';
import type { TrustedKey } from '../evidence/signing';
import { ExitCode } from './exit-codes';
import { InputError } from './read-input';

// Loaded when a command runs (see main.ts): verification needs the Temporal worker (replay) and the
// S3 client, together about 300 ms of loading that no other command should pay.
const worker = () => require('@temporalio/worker') as typeof WorkerModule;
const verify = () => require('../../activities/evidence/verify-evidence') as typeof VerifyModule;
const evidenceConfig = () => require('../../workers/evidence-config') as typeof EvidenceConfigModule;
const evidenceKey = () => require('../../workers/evidence-key') as typeof EvidenceKeyModule;

export interface EvidenceCommandDeps {
  readonly print: (value: unknown, text: string) => void;
}

const exitOf: Record<FailureKind, number> = {
  unreadable: ExitCode.bundleAltered,
  signature: ExitCode.bundleAltered,
  unknown_key: ExitCode.keyUntrusted,
  chain: ExitCode.evidenceBroken,
  ledger: ExitCode.ledgerBroken,
  replay: ExitCode.replayFailed,
};

interface StoreOptions {
  readonly store?: string;
  readonly keyring?: string;
}

function keyringOf(o: StoreOptions): readonly TrustedKey[] {
  const file = o.keyring ?? process.env.COUNTERSIGN_EVIDENCE_KEYRING;
  if (file === undefined || file === '')
    throw new InputError(
      'no keyring: pass --keyring <file> (the evidence-keyring.json the deployment publishes) or set COUNTERSIGN_EVIDENCE_KEYRING',
    );
  try {
    return evidenceKey().loadKeyring(file).keys;
  } catch (err) {
    throw new InputError((err as Error).message);
  }
}

const storeOf = (o: StoreOptions): Promise<EvidenceStore | null> => evidenceConfig().auditorStore(o.store);

/**
 * A bundle file, or a change id / workflow id whose newest sealed run the verified ledger names.
 * Either way, the change it must be of (from the id, or `--change`), so that one change's genuine
 * bundle cannot pass for another's.
 */
async function bundleOf(
  target: string,
  store: EvidenceStore | null,
  trusted: readonly TrustedKey[],
  change: string | undefined,
): Promise<{ bytes: Uint8Array; expect?: { workflowId: string; runId?: string } }> {
  const workflowIdOf = (id: string) => (id.startsWith('change-') ? id : `change-${id}`);
  if (existsSync(target)) {
    const bytes = new Uint8Array(await readFile(target));
    return change === undefined ? { bytes } : { bytes, expect: { workflowId: workflowIdOf(change) } };
  }
  if (store === null)
    throw new InputError(
      `${target} is not a file, and no evidence store is configured to look it up in (--store <dir>)`,
    );
  const workflowId = workflowIdOf(target);
  const found = await verify().findSealed(store, trusted, workflowId);
  if (typeof found === 'string')
    throw new CommandExit(
      ExitCode.ledgerBroken,
      `the ledger in ${store.description} does not verify: ${found}`,
    );
  if (found === null)
    throw new CommandExit(
      ExitCode.notFound,
      `no ledger entry for ${workflowId} in ${store.description} (a change is sealed moments after it closes; check the id with countersign audit)`,
    );
  if (found.bytes === undefined)
    throw new CommandExit(
      ExitCode.ledgerBroken,
      `the ledger anchors a bundle of ${workflowId} that is missing from ${store.description}`,
    );
  return { bytes: found.bytes, expect: found.run };
}

const mark = { ok: '✓', failed: '✗', skipped: '–' } as const;

export function registerEvidenceCommands(program: Command, deps: EvidenceCommandDeps): void {
  program
    .command('verify')
    .description(
      'verify a sealed evidence bundle offline: signature, entry chain, ledger inclusion, and a replay of its history on this build',
    )
    .argument('<bundle>', 'a bundle file, or a change id to look up in the evidence store')
    .option(
      '--store <dir>',
      'the evidence folder (default: COUNTERSIGN_EVIDENCE_STORE_DIR or the configured bucket)',
    )
    .option('--keyring <file>', 'trusted public keys (default: COUNTERSIGN_EVIDENCE_KEYRING)')
    .option('--no-replay', 'skip replaying the embedded history (the slow check)')
    .option('--workflow-bundle <file>', 'replay against this pre-built workflow bundle instead of this build')
    .option(
      '--change <id>',
      'for a bundle file: the change it must be of (a bundle of any other change fails)',
    )
    .action(
      async (
        target: string,
        o: StoreOptions & { replay: boolean; workflowBundle?: string; change?: string },
      ) => {
        const trusted = keyringOf(o);
        const store = await storeOf(o);
        const { bytes, expect } = await bundleOf(target, store, trusted, o.change);
        if (o.replay) {
          // The replay runs a worker in this process: its routine logs are not for this reader.
          worker().Runtime.install({ logger: new (worker().DefaultLogger)('WARN') });
          process.stderr.write(
            "countersign: replaying the embedded history on this build's workflow code…\n",
          );
        }
        const verdict = await verify().verifyEvidence(bytes, {
          trusted,
          store,
          replay: o.replay
            ? o.workflowBundle === undefined
              ? {}
              : { workflowBundlePath: o.workflowBundle }
            : false,
          ...(expect === undefined ? {} : { expect }),
        });
        const skipped = verdict.lines.filter((l) => l.status === 'skipped').map((l) => l.check);
        const text = [
          ...verdict.lines.map((l) => `${mark[l.status]} ${l.check.padEnd(9)} ${l.detail}`),
          !verdict.ok
            ? `NOT VERIFIED (${verdict.failure}): do not rely on this bundle; compare it with the store's copy and the ledger (countersign ledger verify).`
            : skipped.length === 0
              ? 'verified: this bundle is what the deployment sealed, anchored in its ledger.'
              : `verified only in part: ${skipped.join(' and ')} not checked (${skipped.includes('ledger') ? 'give --store or configure the store' : ''}${skipped.length === 2 ? '; ' : ''}${skipped.includes('replay') ? 'drop --no-replay' : ''}) before relying on it.`,
        ].join('\n');
        deps.print(verdict, text);
        if (verdict.failure !== null) process.exitCode = exitOf[verdict.failure];
      },
    );

  const ledger = program.command('ledger').description('the deployment-wide evidence ledger');
  ledger
    .command('verify')
    .description(
      'check every ledger entry (links, signatures) and that every bundle it anchors is there and intact',
    )
    .option(
      '--store <dir>',
      'the evidence folder (default: COUNTERSIGN_EVIDENCE_STORE_DIR or the configured bucket)',
    )
    .option('--keyring <file>', 'trusted public keys (default: COUNTERSIGN_EVIDENCE_KEYRING)')
    .action(async (o: StoreOptions) => {
      const trusted = keyringOf(o);
      const store = await storeOf(o);
      if (store === null) throw new InputError('no evidence store: pass --store <dir> or configure one');
      const verdict = await verify().verifyStoredLedger(store, trusted);
      const text = verdict.ok
        ? `ledger verified: ${verdict.entries} entries, head ${verdict.head === null ? '(empty)' : `#${verdict.head.index} ${verdict.head.hash}`}\nkeep the head: a later head must extend it.`
        : `LEDGER BROKEN (${verdict.problems.length} problem${verdict.problems.length === 1 ? '' : 's'}):\n${verdict.problems.map((p) => `  - ${p}`).join('\n')}`;
      deps.print(verdict, text);
      if (!verdict.ok) process.exitCode = ExitCode.ledgerBroken;
    });

  program
    .command('keys')
    .description('evidence signing keys')
    .command('generate')
    .description(
      'create an Ed25519 evidence key (for the exporter only) and add its public key to the keyring',
    )
    .requiredOption('--dir <dir>', 'where the key and evidence-keyring.json go')
    .action((o: { dir: string }) => {
      const made = evidenceKey().generateEvidenceKey(o.dir);
      deps.print(
        { keyId: made.key.keyId, keyFile: made.keyFile, keyringFile: made.keyringFile },
        [
          `created ${made.key.keyId}`,
          `  private key: ${made.keyFile} (mode 0600: give it to the exporter only, as COUNTERSIGN_EVIDENCE_KEY_FILE)`,
          `  keyring:     ${made.keyringFile} (public: publish it to auditors; it keeps ${made.keyring.keys.length - 1} older key(s))`,
          'next: point the exporter at the new key and restart it; bundles sealed before keep verifying with the old key.',
        ].join('\n'),
      );
    });
}
