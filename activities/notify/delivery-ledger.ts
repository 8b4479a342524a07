import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * How a notification went out: `sent` the first time; `resent` when an earlier attempt stopped
 * between starting to send and recording that it had (it may have reached the receiver: the
 * idempotency key is the same, so a receiver that keeps keys drops it); `already_sent` when an
 * earlier attempt recorded it: nothing was sent again.
 */
export type Delivery = 'sent' | 'resent' | 'already_sent';

/**
 * Remembers which notifications were delivered, so a retried activity (after a worker was killed,
 * a timeout, a lost answer) does not deliver its notification a second time.
 */
export interface DeliveryLedger {
  once(key: string, send: () => Promise<void>): Promise<Delivery>;
}

interface Entry {
  readonly key: string;
  /** `failed`: the receiver refused or could not be reached; the next attempt sends again. */
  readonly state: 'sending' | 'sent' | 'failed';
  /** Whether an earlier attempt may have delivered it (it stopped mid-send). */
  readonly uncertain?: boolean;
  readonly at: string;
}

/** An attempt that stopped mid-send, or failed after one that did, may have delivered. */
const uncertainAfter = (prior: Pick<Entry, 'state' | 'uncertain'> | undefined): boolean =>
  prior !== undefined && (prior.state === 'sending' || prior.uncertain === true);

/**
 * A ledger in a folder, one small file per notification, named by the hash of its key. The file
 * says `sending` before the send and `sent` after it; each state is written to a temporary file,
 * flushed and renamed into place, so a process killed at any point leaves either state whole.
 * What is left: a kill between the receiver accepting and `sent` being written (the write, flush
 * and rename of a small file: milliseconds), or a send that failed after its request went out (a
 * timeout): then the next attempt sends again with the same key, and says so. Two attempts at once
 * (a timed-out one still running) are told apart by an exclusive claim: the second says so too.
 *
 * Workers sharing a task queue should share the folder (a kill's retry may run on another worker);
 * entries older than a day are pruned when the ledger opens, long after any retry.
 */
export async function openFolderLedger(dir: string, keepMs = 24 * 3600_000): Promise<DeliveryLedger> {
  await mkdir(dir, { recursive: true });
  await prune(dir, Date.now() - keepMs);
  // A worker that runs for weeks prunes too; the timer never keeps the process alive.
  setInterval(() => void prune(dir, Date.now() - keepMs).catch(() => undefined), 3600_000).unref();
  const fileOf = (key: string) =>
    path.join(dir, `${createHash('sha256').update(key, 'utf8').digest('hex')}.json`);
  return {
    async once(key, send) {
      const file = fileOf(key);
      let prior = await readEntry(file);
      if (prior?.state === 'sent') return 'already_sent';
      const at = () => new Date().toISOString();
      if (
        prior === undefined &&
        !(await claim(file, { key, state: 'sending', uncertain: false, at: at() }))
      ) {
        // Another attempt claimed it a moment ago (a timed-out attempt still running): whatever it
        // does, this one sends too, and says it may be a repeat.
        prior = (await readEntry(file)) ?? { key, state: 'sending', at: at() };
        if (prior.state === 'sent') return 'already_sent';
      }
      const uncertain = uncertainAfter(prior);
      if (prior !== undefined) await writeEntry(file, { key, state: 'sending', uncertain, at: at() });
      try {
        await send();
      } catch (err) {
        // Not delivered by this attempt, unless the error says it may have been (a timeout after
        // the request went out): then the next attempt's send is announced as a possible repeat.
        const failed = {
          key,
          state: 'failed',
          uncertain: uncertain || deliveryUncertain(err),
          at: at(),
        } as const;
        await writeEntry(file, failed).catch(() => undefined);
        throw err;
      }
      await writeEntry(file, { key, state: 'sent', at: at() });
      return uncertain ? 'resent' : 'sent';
    },
  };
}

/** A ledger in memory: enough for retries within one worker process, forgotten when it dies. */
export function memoryLedger(): DeliveryLedger {
  const entries = new Map<string, Pick<Entry, 'state' | 'uncertain'>>();
  return {
    async once(key, send) {
      const prior = entries.get(key);
      if (prior?.state === 'sent') return 'already_sent';
      const uncertain = uncertainAfter(prior);
      entries.set(key, { state: 'sending', uncertain });
      try {
        await send();
      } catch (err) {
        entries.set(key, { state: 'failed', uncertain: uncertain || deliveryUncertain(err) });
        throw err;
      }
      entries.set(key, { state: 'sent' });
      return uncertain ? 'resent' : 'sent';
    },
  };
}

const uncertainMark = Symbol('delivery uncertain');

/** Marks a failed send that may have reached the receiver (timed out or cut after the request left). */
export function markDeliveryUncertain<E extends Error>(err: E): E {
  return Object.assign(err, { [uncertainMark]: true });
}

function deliveryUncertain(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[uncertainMark] === true;
}

/** Writes `entry` to `file` only if no file is there: false when another attempt got there first. */
async function claim(file: string, entry: Entry): Promise<boolean> {
  const temporary = await writeTemporary(file, entry);
  try {
    await link(temporary, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function readEntry(file: string): Promise<Entry | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const entry = JSON.parse(text) as Partial<Entry>;
    if (entry.state === 'sent' || entry.state === 'sending' || entry.state === 'failed')
      return entry as Entry;
  } catch {
    // Unreadable: treated as an attempt that may have sent, so the next one sends again and says so.
  }
  return { key: '', state: 'sending', at: '' };
}

async function writeTemporary(file: string, entry: Entry): Promise<string> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(entry)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temporary;
}

async function writeEntry(file: string, entry: Entry): Promise<void> {
  await rename(await writeTemporary(file, entry), file);
}

async function prune(dir: string, olderThan: number): Promise<void> {
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info !== undefined && info.isFile() && info.mtimeMs < olderThan) await rm(file, { force: true });
  }
}
