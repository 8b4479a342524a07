import { createPrivateKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ApproverKeyFile } from '../../src/client/approver-keys';
import { forEachLimited } from '../changes';
import type { ChaosRun, Scenario } from '../context';
import type { ChaosRow } from '../report';

interface Needle {
  /** Which secret and in what form, for the report: never the secret itself. */
  readonly label: string;
  readonly text: string;
}

/**
 * The base64 text of `value` wherever it sits in a larger byte string: for each of the three
 * alignments, the part of the encoding that depends on `value`'s bytes alone.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [0, 1, 2]
    .map((k) => {
      const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
      return encoded.slice(4 * Math.ceil(k / 3), 4 * Math.floor((k + bytes.length) / 3));
    })
    .filter((form) => form.length >= 16);
}

/** Every form in which the run's secrets could leak: as they are, and as the encodings around them would carry them. */
function needlesOf(ctx: ChaosRun): Needle[] {
  const needles: Needle[] = [];
  const add = (label: string, text: string) => {
    if (text.length >= 16) needles.push({ label, text });
  };
  add('PowerDNS API key', ctx.pdns.apiKey);
  for (const form of base64Forms(ctx.pdns.apiKey)) add('PowerDNS API key (base64)', form);
  for (const principal of Object.keys(ctx.approvers.keys)) {
    // Read back from the key file, as an approver's machine holds it.
    const file = ApproverKeyFile.parse(JSON.parse(readFileSync(ctx.approvers.keyPath(principal), 'utf8')));
    const label = `private key of ${principal}`;
    const body = file.privateKeyPem
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('-----'))
      .join('');
    add(`${label} (PEM)`, file.privateKeyPem.trim());
    add(`${label} (PEM body)`, body);
    for (const form of base64Forms(body)) add(`${label} (PEM body, base64)`, form);
    const der = createPrivateKey(file.privateKeyPem).export({ format: 'der', type: 'pkcs8' });
    const seed = der.subarray(der.length - 32);
    add(`${label} (seed, hex)`, seed.toString('hex'));
    add(`${label} (seed, base64)`, seed.toString('base64').replace(/=+$/, ''));
    add(`${label} (seed, base64url)`, seed.toString('base64url'));
  }
  return needles;
}

/** Byte fields (payload data, metadata) as text: where JSON payloads sit inside a history. */
function decodedBytes(value: unknown, out: string[], depth = 0): void {
  if (depth > 64 || value === null || typeof value !== 'object') return;
  if (value instanceof Uint8Array) {
    out.push(Buffer.from(value).toString('utf8'));
    return;
  }
  for (const child of Object.values(value as Record<string, unknown>)) decodedBytes(child, out, depth + 1);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/**
 * Scenario 3, after the others: every workflow history of the run (fetched, as Temporal's JSON and
 * with every payload decoded), every worker log line and every exported evidence bundle is searched
 * for every secret the run used. Each (artifact, secret form) hit counts once.
 */
export function secretScan(): Scenario {
  return {
    name: 'secret scan',
    async run(ctx: ChaosRun): Promise<ChaosRow[]> {
      const started = performance.now();
      const needles = needlesOf(ctx);
      const hits: string[] = [];
      const scan = (artifact: string, text: string) => {
        for (const needle of needles)
          if (text.includes(needle.text)) hits.push(`${needle.label} in ${artifact}`);
      };
      // A scan that finds nothing proves something only if it would have found a planted secret,
      // also inside a base64 payload at any alignment.
      const planted = [0, 1, 2].map((pad) =>
        Buffer.from(`${'x'.repeat(pad)}{"apiKey":"${ctx.pdns.apiKey}"}`).toString('base64'),
      );
      const undetected = planted.filter(
        (text) => !needles.some((n) => n.label.startsWith('PowerDNS') && text.includes(n.text)),
      );
      if (undetected.length > 0) throw new Error('the secret scanner misses a planted API key');

      let histories = 0;
      let historyBytes = 0;
      for (const source of ctx.artifacts.histories) {
        const ids: string[] = [];
        for await (const wf of source.client.workflow.list({ query: `TaskQueue = '${source.taskQueue}'` }))
          ids.push(wf.workflowId);
        ctx.progress(`chaos: scanning ${ids.length} histories of task queue ${source.taskQueue}`);
        await forEachLimited(ids, 8, async (id) => {
          const history = await source.client.workflow.getHandle(id).fetchHistory();
          const decoded: string[] = [];
          decodedBytes(history, decoded);
          const text = `${historyToJSON(history)}\n${decoded.join('\n')}`;
          histories += 1;
          historyBytes += text.length;
          scan(`the history of ${id}`, text);
        });
      }
      let logBytes = 0;
      for (const file of ctx.artifacts.logFiles) {
        if (!existsSync(file)) continue;
        const text = readFileSync(file, 'utf8');
        logBytes += text.length;
        scan(`worker log ${path.basename(file)}`, text);
      }
      let bundles = 0;
      for (const dir of ctx.artifacts.evidenceDirs) {
        for (const file of filesUnder(dir)) {
          bundles += 1;
          scan(`evidence bundle ${path.basename(file)}`, readFileSync(file, 'utf8'));
        }
      }
      const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
      return [
        {
          scenario: 'secret scan',
          faults: `${needles.length} secret forms`,
          changes: histories,
          lost: 0,
          duplicateWrites: 0,
          unapprovedExecutions: 0,
          brokenChains: 0,
          taskFailures: 0,
          notExecuted: 0,
          falseEvidence: 0,
          skippedRollbacks: 0,
          duplicateNotifications: 0,
          lostNotifications: 0,
          secretsFound: hits.length,
          wallMs: performance.now() - started,
          recoverP50Ms: null,
          recoverMaxMs: null,
          details: [
            [
              'secrets (PowerDNS API key + approver private keys)',
              1 + Object.keys(ctx.approvers.keys).length,
            ],
            ['forms searched (raw, PEM body, seed hex/base64, base64 at 3 alignments)', needles.length],
            ['workflow histories scanned', `${histories} (${mb(historyBytes)})`],
            ['worker log scanned', `${ctx.artifacts.logFiles.length} files (${mb(logBytes)})`],
            ['evidence bundles scanned', bundles],
          ],
          findings: hits.slice(0, 25),
        },
      ];
    },
  };
}
