import type { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import type { FailureKind } from '../../activities/evidence/verify-evidence';
import { verifyEvidence, verifyStoredLedger } from '../../activities/evidence/verify-evidence';
import { evidenceStoreFromEnv } from '../../workers/evidence-config';
import { generateEvidenceKey, loadKeyring } from '../../workers/evidence-key';
import { storeKey } from '../evidence/layout';
import type { TrustedKey } from '../evidence/signing';
import { ExitCode } from './exit-codes';
import { InputError } from './read-input';

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
    return loadKeyring(file).keys;
  } catch (err) {
    throw new InputError((err as Error).message);
  }
}

async function storeOf(o: StoreOptions): Promise<EvidenceStore | null> {
  return evidenceStoreFromEnv(
    o.store === undefined
      ? process.env
      : {
          ...process.env,
          COUNTERSIGN_EVIDENCE_STORE_DIR: o.store,
          COUNTERSIGN_EVIDENCE_S3_BUCKET: undefined,
        },
  );
}

/** A bundle file, or a change id / workflow id looked up in the store (its newest run). */
async function bundleBytesOf(target: string, store: EvidenceStore | null): Promise<Uint8Array> {
  if (existsSync(target)) return new Uint8Array(await readFile(target));
  if (store === null)
    throw new InputError(
      `${target} is not a file, and no evidence store is configured to look it up in (--store <dir>)`,
    );
  for (const workflowId of target.startsWith('change-') ? [target] : [`change-${target}`, target]) {
    const keys = await store.list(`${storeKey('bundles', workflowId)}/`);
    const newest = keys[keys.length - 1];
    if (newest !== undefined) {
      const bytes = await store.get(newest);
      if (bytes !== undefined) return bytes;
    }
  }
  throw new InputError(
    `no sealed bundle for ${target} in ${store.description} (a change is sealed moments after it closes)`,
  );
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
    .action(async (target: string, o: StoreOptions & { replay: boolean; workflowBundle?: string }) => {
      const trusted = keyringOf(o);
      const store = await storeOf(o);
      const bytes = await bundleBytesOf(target, store);
      // The replay runs a worker in this process: its routine logs (bundling, state changes) are not for this reader.
      if (o.replay) Runtime.install({ logger: new DefaultLogger('WARN') });
      if (o.replay)
        process.stderr.write("countersign: replaying the embedded history on this build's workflow code…\n");
      const verdict = await verifyEvidence(bytes, {
        trusted,
        store,
        replay: o.replay
          ? o.workflowBundle === undefined
            ? {}
            : { workflowBundlePath: o.workflowBundle }
          : false,
      });
      const text = [
        ...verdict.lines.map((l) => `${mark[l.status]} ${l.check.padEnd(9)} ${l.detail}`),
        verdict.ok
          ? 'verified: this bundle is what the deployment sealed, anchored in its ledger.'
          : `NOT VERIFIED (${verdict.failure}): do not rely on this bundle; compare it with the store's copy and the ledger (countersign ledger verify).`,
      ].join('\n');
      deps.print(verdict, text);
      if (verdict.failure !== null) process.exitCode = exitOf[verdict.failure];
    });

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
      const verdict = await verifyStoredLedger(store, trusted);
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
      const made = generateEvidenceKey(o.dir);
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
