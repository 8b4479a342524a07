import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkerConfig } from '../../workers/config';

const base = { COUNTERSIGN_PDNS_API_KEY: 'a-test-key-of-enough-length' };

describe('COUNTERSIGN_MAX_CACHED_WORKFLOWS', () => {
  const accepted: { value: string | undefined; expected: number | undefined }[] = [
    { value: undefined, expected: undefined },
    { value: '1', expected: 1 },
    { value: '50', expected: 50 },
    { value: '100000', expected: 100_000 },
  ];
  for (const { value, expected } of accepted)
    it(`${value ?? 'unset'} → ${expected ?? "createChangeWorker's default"}`, () => {
      const env = value === undefined ? base : { ...base, COUNTERSIGN_MAX_CACHED_WORKFLOWS: value };
      assert.equal(loadWorkerConfig(env).maxCachedWorkflows, expected);
    });

  for (const value of ['0', '-5', '2.5', 'many', '100001'])
    it(`refuses ${JSON.stringify(value)}, naming the variable`, () =>
      assert.throws(
        () => loadWorkerConfig({ ...base, COUNTERSIGN_MAX_CACHED_WORKFLOWS: value }),
        (err: Error) =>
          err.message.startsWith('worker configuration: COUNTERSIGN_MAX_CACHED_WORKFLOWS: ') &&
          err.message.includes('start the worker again'),
      ));
});

describe('notification settings', () => {
  it('takes the chat webhook and the ledger folder when set, and leaves them unset otherwise', () => {
    const set = loadWorkerConfig({
      ...base,
      COUNTERSIGN_CHAT_WEBHOOK: 'https://hooks.slack.example/services/T0/B0/x',
      COUNTERSIGN_NOTIFICATION_LEDGER: '/var/lib/countersign/notifications',
    });
    assert.equal(set.chatWebhook, 'https://hooks.slack.example/services/T0/B0/x');
    assert.equal(set.notificationLedgerDir, '/var/lib/countersign/notifications');
    const unset = loadWorkerConfig(base);
    assert.equal(unset.chatWebhook, undefined);
    assert.equal(unset.notificationLedgerDir, undefined);
  });

  for (const [variable, value] of [
    ['COUNTERSIGN_CHAT_WEBHOOK', 'not a url'],
    ['COUNTERSIGN_NOTIFICATION_LEDGER', ''],
  ] as const)
    it(`refuses ${variable}=${JSON.stringify(value)}, naming the variable`, () =>
      assert.throws(
        () => loadWorkerConfig({ ...base, [variable]: value }),
        (err: Error) => err.message.startsWith(`worker configuration: ${variable}: `),
      ));
});
