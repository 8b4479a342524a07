import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { EscalationPayload } from '../../activities/change-activities';
import { createChangeActivities } from '../../activities/change-activities';
import { openFolderLedger } from '../../activities/notify/delivery-ledger';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { createLogger } from '../../workers/logger';

/**
 * The notify and escalate activities as Temporal runs them (in an activity context, with the
 * activity's own ids): one delivery per event however often an attempt is retried, to the log and
 * to a real HTTP receiver, each with the event's idempotency key.
 */
interface Received {
  readonly path: string;
  readonly key: string | undefined;
  readonly body: { idempotencyKey?: string; what?: string; text?: string; blocks?: { type: string }[] };
}

const root = mkdtempSync(path.join(tmpdir(), 'countersign-notify-'));
let receiver: http.Server;
let url = '';
const received: Received[] = [];
/** Answers left to fail with 503, for the next requests. */
let failNext = 0;

before(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(503).end();
        return;
      }
      received.push({
        path: req.url ?? '',
        key: req.headers['idempotency-key'] as string | undefined,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook`;
});
after(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** Activities of one worker process: its own logger, and the ledger folder shared by all. */
async function workerProcess(ledgerDir: string, webhook?: string, chat?: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const activities = createChangeActivities({
    powerdns: new PowerDnsClient({ apiUrl: 'http://127.0.0.1:1', apiKey: 'unused-in-this-test' }),
    verifyServers: [],
    logger: createLogger({ level: 'info', destination: sink }),
    policy: () => Promise.reject(new Error('no policy in this test')),
    notificationLedger: await openFolderLedger(ledgerDir),
    ...(webhook === undefined ? {} : { escalationWebhook: webhook }),
    ...(chat === undefined ? {} : { chatWebhook: chat }),
  });
  return { activities, lines };
}

/** The context Temporal gives attempt `attempt` of activity `activityId` of one workflow run. */
const attemptOf = (workflowId: string, activityId: string, attempt: number) =>
  new MockActivityEnvironment({
    activityId,
    attempt,
    activityType: 'notify',
    workflowExecution: { workflowId, runId: '0f3a9c2e-5555-6666-7777-888899990000' },
  });

const escalation = (workflowId: string): EscalationPayload => ({
  kind: 'approval',
  workflowId,
  stage: 1,
  notify: ['sre'],
  what: 'www A in example.com',
  why: 'production',
  risk: 'tier 2',
  riskOfWaiting: 'none',
  whoCanDecide: 'sre',
  howToDecide: 'countersign approve ...',
  expiresAt: '2026-12-04T00:00:00.000Z',
});

const deliveries = (lines: Record<string, unknown>[], field: 'notification' | 'escalation') =>
  lines.filter((l) => l[field] !== undefined);

describe('notifications across retries and worker restarts', () => {
  it('notify: a retry on a restarted worker logs nothing twice; the next event is its own', async () => {
    const ledgerDir = path.join(root, `l${(n += 1)}`);
    const workflowId = `change-notify-${n}`;
    const event = { kind: 'auto_execute', tier: '1', summary: 'executing automatically' };
    const first = await workerProcess(ledgerDir);
    await attemptOf(workflowId, '5', 1).run((arg) => first.activities.notify(arg), event);
    // The worker died before reporting: Temporal runs attempt 2 of the same activity elsewhere.
    const second = await workerProcess(ledgerDir);
    await attemptOf(workflowId, '5', 2).run((arg) => second.activities.notify(arg), event);
    const all = [...first.lines, ...second.lines];
    const sent = deliveries(all, 'notification');
    assert.equal(sent.length, 1);
    assert.equal(
      (sent[0]!.notification as { idempotencyKey: string }).idempotencyKey,
      `${workflowId}:auto_execute:0f3a9c2e-5555-6666-7777-888899990000-5`,
    );
    assert.ok(second.lines.some((l) => String(l.msg).startsWith('notification already delivered')));
    // A later activity (another event) is delivered.
    await attemptOf(workflowId, '9', 1).run((arg) => second.activities.notify(arg), event);
    assert.equal(deliveries([...all, ...second.lines], 'notification').length, 2);
  });

  it('escalate: the webhook gets one POST per escalation with its key; a 503 is retried, a success is not repeated', async () => {
    const ledgerDir = path.join(root, `l${(n += 1)}`);
    const workflowId = `change-escalate-${n}`;
    const before = received.length;
    failNext = 1;
    const worker = await workerProcess(ledgerDir, url);
    await assert.rejects(
      attemptOf(workflowId, '11', 1).run((arg) => worker.activities.escalate(arg), escalation(workflowId)),
      (err: Error) => /escalation webhook answered 503/.test(err.message),
    );
    // The log heard of it at once, whatever the webhook did.
    assert.equal(deliveries(worker.lines, 'escalation').length, 1);
    await attemptOf(workflowId, '11', 2).run(
      (arg) => worker.activities.escalate(arg),
      escalation(workflowId),
    );
    const restarted = await workerProcess(ledgerDir, url);
    await attemptOf(workflowId, '11', 3).run(
      (arg) => restarted.activities.escalate(arg),
      escalation(workflowId),
    );
    const mine = received.slice(before);
    assert.equal(mine.length, 1, 'one POST for one escalation');
    const key = `${workflowId}:approval-escalation-1:0f3a9c2e-5555-6666-7777-888899990000-11`;
    assert.equal(mine[0]!.key, key);
    assert.equal(mine[0]!.body.idempotencyKey, key);
    assert.equal(deliveries([...worker.lines, ...restarted.lines], 'escalation').length, 1);
    // The next stage is another escalation: delivered.
    await attemptOf(workflowId, '14', 1).run((arg) => restarted.activities.escalate(arg), {
      ...escalation(workflowId),
      stage: 2,
    });
    assert.equal(received.length - before, 2);
    assert.notEqual(received.at(-1)!.key, key);
  });

  it('escalate: a chat tool gets a Slack-compatible message once, with the same key', async () => {
    const ledgerDir = path.join(root, `l${(n += 1)}`);
    const workflowId = `change-chat-${n}`;
    const before = received.length;
    const chatUrl = url.replace(/\/hook$/, '/chat');
    const worker = await workerProcess(ledgerDir, url, chatUrl);
    await attemptOf(workflowId, '21', 1).run(
      (arg) => worker.activities.escalate(arg),
      escalation(workflowId),
    );
    const restarted = await workerProcess(ledgerDir, url, chatUrl);
    await attemptOf(workflowId, '21', 2).run(
      (arg) => restarted.activities.escalate(arg),
      escalation(workflowId),
    );
    const mine = received.slice(before);
    assert.deepEqual(mine.map((r) => r.path).sort(), ['/chat', '/hook']);
    const chat = mine.find((r) => r.path === '/chat');
    assert.equal(chat?.key, `${workflowId}:approval-escalation-1:0f3a9c2e-5555-6666-7777-888899990000-21`);
    assert.match(chat?.body.text ?? '', /^Approval needed: www A in example\.com/);
    assert.deepEqual(
      chat?.body.blocks?.map((b) => b.type),
      ['header', 'section', 'section', 'section', 'context'],
    );
  });
});
