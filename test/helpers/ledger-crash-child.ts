import { openFolderLedger } from '../../activities/notify/delivery-ledger';

/**
 * A worker that dies while it sends: opens the ledger in argv[2], starts delivering key argv[3],
 * and is SIGKILLed by its own hand in the middle of the send (nothing after it runs).
 */
async function main(): Promise<void> {
  const [dir, key] = process.argv.slice(2);
  if (dir === undefined || key === undefined) throw new Error('usage: ledger-crash-child <dir> <key>');
  const ledger = await openFolderLedger(dir);
  await ledger.once(key, async () => {
    process.kill(process.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  });
}

void main();
