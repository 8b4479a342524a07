import { parseArgs } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import { createDirectorySource } from '../activities/approvals/directory-store';
import { staticPolicySource } from '../activities/policy/policy-store';
import { requireDefaultPolicy } from '../activities/policy/policy-files';
import { PowerDnsClient } from '../activities/powerdns/client';
import { openFolderLedger } from '../activities/notify/delivery-ledger';
import { withGovernor, withTimings } from '../src/policy/overrides';
import { parseHostPort } from './config';
import { createChangeWorker } from './create-worker';
import { createLogger } from './logger';
import { installRuntime } from './runtime';

/**
 * The change worker as a process of its own, for the chaos harness (chaos/worker-child.ts) and the
 * benchmark, which SIGKILL it at any moment and start a fresh one; it runs compiled from dist/ when
 * the build is current (bin/run-entry.js), as `npm run worker` does. Settings come as arguments;
 * the PowerDNS API key comes in the environment (COUNTERSIGN_PDNS_API_KEY, as for the real
 * worker), never on the command line where `ps` shows it.
 *
 * With --standby the process loads its code and policy, says `loaded` over IPC and waits for `go`
 * before it connects: the harness can keep the next incarnation warm, so the time from a kill to a
 * polling worker measures the worker's own start (connect, load the bundle, poll). It says `ready`
 * once it polls, and leaves when the parent goes away.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      temporal: { type: 'string' },
      'task-queue': { type: 'string' },
      'pdns-api-url': { type: 'string' },
      dns: { type: 'string' },
      approvers: { type: 'string' },
      bundle: { type: 'string' },
      'evidence-dir': { type: 'string' },
      'cooling-off': { type: 'string', default: '1' },
      'approval-expiry': { type: 'string', default: '3600' },
      'verification-patience': { type: 'string' },
      'max-cached': { type: 'string' },
      'notification-ledger': { type: 'string' },
      standby: { type: 'boolean', default: false },
    },
  });
  const need = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new Error(`--${name} is required`);
    return value;
  };
  const apiKey = process.env.COUNTERSIGN_PDNS_API_KEY;
  if (apiKey === undefined || apiKey === '')
    throw new Error('COUNTERSIGN_PDNS_API_KEY is not set (the PowerDNS API key, passed in the environment)');

  let leave = (): void => process.exit(0);
  // Without a parent there is nobody to stop this worker: leave rather than linger.
  process.once('disconnect', () => leave());
  const logger = createLogger({ level: 'info' });
  installRuntime(logger);
  const timed = withTimings(await requireDefaultPolicy(), {
    coolingOffSeconds: Number(need('cooling-off')),
    approvalExpirySeconds: Number(need('approval-expiry')),
    ...(values['verification-patience'] === undefined
      ? {}
      : { verificationPatienceSeconds: Number(values['verification-patience']) }),
  });
  // Hundreds of changes in one tenant: budgets high enough never to re-route them, so the governors
  // (every scope, RRset locks) stay in the path of every change without changing its route.
  const plenty = { limit: 1_000_000, window: '1h' };
  const policy = withGovernor(
    timed,
    {
      ...timed.policy.governor,
      zone: { budgets: { proposals: plenty, automaticExecutions: plenty } },
      tenant: { budgets: { proposals: plenty, automaticExecutions: plenty } },
      global: { budgets: { proposals: plenty, automaticExecutions: plenty } },
    },
    'chaos-budgets',
  );
  if (values.standby === true) await goSignal();
  const connection = await NativeConnection.connect({ address: need('temporal') });
  const worker = await createChangeWorker({
    connection,
    taskQueue: need('task-queue'),
    workflowBundlePath: need('bundle'),
    ...(values['max-cached'] === undefined ? {} : { maxCachedWorkflows: Number(values['max-cached']) }),
    directory: createDirectorySource(need('approvers')),
    deps: {
      powerdns: new PowerDnsClient({ apiUrl: need('pdns-api-url'), apiKey }),
      verifyServers: need('dns').split(',').map(parseHostPort),
      logger,
      policy: staticPolicySource(policy),
      evidenceDir: need('evidence-dir'),
      notificationLedger: await openFolderLedger(need('notification-ledger')),
    },
  });
  leave = () => worker.shutdown();
  const running = worker.run();
  // Awaited below; a worker that fails while this waits for RUNNING must not crash as unhandled.
  running.catch(() => undefined);
  for (let i = 0; i < 100 && worker.getState() !== 'RUNNING'; i += 1)
    await new Promise((resolve) => setTimeout(resolve, 20));
  logger.info({ pid: process.pid }, 'chaos worker polling');
  process.send?.({ type: 'ready', pid: process.pid });
  await running;
  await connection.close();
}

function goSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && (message as { type?: string }).type === 'go')
        resolve();
    });
    process.send?.({ type: 'loaded', pid: process.pid });
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `harness-worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
