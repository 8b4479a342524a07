import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { workflowBundle } from '../workers/prebuilt-bundle';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensureInstalled, projectRoot, runInstallScript } from '../workers/stack/install';
import { startLocalStack } from '../workers/stack/local-stack';
import { runMain } from '../workers/preflight/run-main';

/**
 * Test files run one at a time: on two cores, PowerDNS's SQLite backend and the dev server start
 * refusing concurrent work, and a test must fail for its own reasons only.
 *
 * The test command: installs and starts a real Temporal dev server, a real PowerDNS and the EPP
 * registry test double on free loopback ports, bundles the workflows once, runs every test file with node's test runner, and
 * stops what it started. Extra arguments select test files (default: all of test/).
 */
function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return testFiles(full);
    return entry.endsWith('.test.ts') ? [full] : [];
  });
}

async function main(): Promise<number> {
  const { temporalBin } = ensureInstalled();
  const selected = process.argv.slice(2);
  const files = selected.length > 0 ? selected : testFiles(path.join(projectRoot, 'test')).sort();
  // The browser tests drive the Temporal UI in the system's Chromium (installed only when they run).
  const browserTests = files.some((f) => f.split(path.sep).includes('browser'));
  const chromium = browserTests ? runInstallScript('install-browser.sh').trim().split('\n').pop() : undefined;
  // Screenshots and other artefacts outlive the run (the servers' data folder does not).
  const artifacts = path.join(projectRoot, '.data', 'test-artifacts');
  mkdirSync(path.join(projectRoot, '.data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(projectRoot, '.data', 'test-'));
  // Ctrl-C or a SIGTERM stops the test files and then the servers this started, not only this process.
  let tests: ChildProcess | undefined;
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.log(`countersign test: ${signal}; stopping the tests and the servers ...`);
    // The runner's own process group: the runner and each test file's process with it.
    if (tests?.pid !== undefined) process.kill(-tests.pid, 'SIGTERM');
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  console.log(
    'countersign test: starting a Temporal dev server, PowerDNS, the EPP registry test double and an S3 server on free loopback ports ...',
  );
  // The EPP registry logs every frame (test credentials only) so tests can check them against the XSDs.
  const eppFrames = path.join(dataDir, 'epp-frames');
  const stack = await startLocalStack({
    temporalBin,
    dataDir,
    // The Web UI too: the browser tests approve through it, as an approver would.
    headless: !browserTests,
    registry: { frameLogDir: eppFrames },
  });
  try {
    // npm test builds first, so this is the bundle workers start from in production.
    const bundlePath = await workflowBundle(path.join(dataDir, 'workflow-bundle.js'));
    console.log(
      `countersign test: running ${files.length} test files one at a time (a few minutes); the servers stop at the end`,
    );
    const env = {
      ...process.env,
      COUNTERSIGN_TEST_TEMPORAL_ADDRESS: stack.temporal.address,
      COUNTERSIGN_TEST_PDNS_API_URL: stack.pdns.apiUrl,
      COUNTERSIGN_TEST_PDNS_API_KEY: stack.pdns.apiKey,
      COUNTERSIGN_TEST_DNS: `${stack.pdns.dns.host}:${stack.pdns.dns.port}`,
      COUNTERSIGN_TEST_WORKFLOW_BUNDLE: bundlePath,
      COUNTERSIGN_TEST_DATA_DIR: dataDir,
      COUNTERSIGN_TEMPORAL_BIN: temporalBin,
      COUNTERSIGN_TEST_ARTIFACTS: artifacts,
      ...(chromium === undefined || stack.temporal.uiUrl === null
        ? {}
        : { COUNTERSIGN_TEST_CHROMIUM: chromium, COUNTERSIGN_TEST_TEMPORAL_UI: stack.temporal.uiUrl }),
      // Workers that tests start as child processes must not all claim the default metrics port.
      COUNTERSIGN_METRICS_ADDRESS: process.env.COUNTERSIGN_METRICS_ADDRESS ?? 'off',
      ...(stack.registry === undefined
        ? {}
        : {
            COUNTERSIGN_TEST_EPP: `${stack.registry.host}:${stack.registry.port}`,
            COUNTERSIGN_TEST_EPP_ADMIN_URL: stack.registry.adminUrl,
            COUNTERSIGN_TEST_EPP_ADMIN_TOKEN: stack.registry.adminToken,
            COUNTERSIGN_TEST_EPP_DIR: stack.registry.dataDir,
            COUNTERSIGN_TEST_EPP_FRAMES: eppFrames,
          }),
      ...(stack.s3 === undefined
        ? {}
        : {
            COUNTERSIGN_TEST_S3_ENDPOINT: stack.s3.endpoint,
            COUNTERSIGN_TEST_S3_REGION: stack.s3.region,
            COUNTERSIGN_TEST_S3_BUCKET: stack.s3.bucket ?? '',
            COUNTERSIGN_TEST_S3_ACCESS_KEY_ID: stack.s3.accessKeyId,
            COUNTERSIGN_TEST_S3_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
          }),
    };
    if (interrupted) return 130;
    tests = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
      stdio: 'inherit',
      env,
      detached: true,
    });
    const child = tests;
    return await new Promise<number>((resolve) =>
      child.on('exit', (code) => resolve(interrupted ? 130 : (code ?? 1))),
    );
  } finally {
    try {
      await stack.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

runMain('test', main);
