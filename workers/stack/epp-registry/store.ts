import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { RegistryState } from './model';
import { emptyState } from './model';

/**
 * The registry's persistent state: one JSON document, `<dataDir>/registry.json`, rewritten
 * atomically (temporary file, fsync, rename, fsync of the folder) after every command that changed
 * something and before its response is sent, so an acknowledged change survives a crash and a
 * restart. Beside it, `transactions.jsonl` records one line per command, append-only.
 *
 * The JSON holds registrar passwords and authInfo values: the folder is created 0700 and the files
 * 0600. Nothing secret is written to the transaction log.
 */

export interface TransactionEntry {
  readonly at: string;
  readonly clID: string | null;
  readonly clTRID: string | null;
  readonly svTRID: string;
  /** e.g. "domain:update", "login", "poll". */
  readonly command: string;
  /** The transfer or poll operation, when the command has one. */
  readonly op?: string;
  /** The domain or host name or contact id the command is about. */
  readonly object: string | null;
  readonly code: number;
  /** True when the command changed the registry's state. */
  readonly changed: boolean;
}

function writeDurably(file: string, text: string, flags: 'w' | 'a'): void {
  const fd = openSync(file, flags, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class RegistryStore {
  readonly file: string;
  readonly transactionsFile: string;
  state: RegistryState;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = path.join(dataDir, 'registry.json');
    this.transactionsFile = path.join(dataDir, 'transactions.jsonl');
    this.state = existsSync(this.file)
      ? { ...emptyState(), ...(JSON.parse(readFileSync(this.file, 'utf8')) as RegistryState) }
      : emptyState();
  }

  /** Writes the whole state atomically; returns once it is on disk. */
  save(): void {
    const temp = `${this.file}.tmp-${process.pid}`;
    writeDurably(temp, `${JSON.stringify(this.state, null, 2)}\n`, 'w');
    renameSync(temp, this.file);
    const dir = openSync(this.dataDir, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  appendTransaction(entry: TransactionEntry): void {
    writeDurably(this.transactionsFile, `${JSON.stringify(entry)}\n`, 'a');
  }

  transactions(): TransactionEntry[] {
    if (!existsSync(this.transactionsFile)) return [];
    return readFileSync(this.transactionsFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as TransactionEntry);
  }

  nextRoid(kind: 'D' | 'H' | 'C'): string {
    this.state.counters.roid += 1;
    return `${kind}${this.state.counters.roid}-CSR`;
  }
}
