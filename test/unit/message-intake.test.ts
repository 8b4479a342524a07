import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { SignedDecision } from '../../src/approvals/signed-decision';
import { effectiveState, stateClause } from '../../src/change/execution-status';
import { admitMessage, describeShape, maxMessageBytes } from '../../src/payloads/message-intake';
import { payloadConverter } from '../../src/payloads/payload-converter';
import { isUndecodable, maxNestingDepth, nestingDepth } from '../../src/payloads/undecodable';
import { ApprovalInput } from '../../src/schema/approval';
import { ChangeInputEnvelope } from '../../src/schema/change-input';
import { exampleRecommendation } from '../../src/examples';

const enc = (s: string) => new TextEncoder().encode(s);
const payload = (encoding: string | null, data: string | Uint8Array): Payload => ({
  metadata: encoding === null ? {} : { encoding: enc(encoding) },
  data: typeof data === 'string' ? enc(data) : data,
});
const planHash = 'a'.repeat(64);
const example = () =>
  exampleRecommendation({
    id: 'rec-1',
    zone: 'example.com.',
    environment: 'production',
    change: {
      kind: 'dns.upsert_rrset',
      name: 'www.example.com.',
      type: 'A',
      ttl: 300,
      records: ['192.0.2.1'],
    },
  });

describe('tolerant payload converter', () => {
  it('decodes what the default converter encodes, unchanged', () => {
    for (const value of [{ a: 1, b: ['x', null] }, 'text', 42, null, true, [1, [2, [3]]]])
      assert.deepEqual(payloadConverter.fromPayload(defaultPayloadConverter.toPayload(value)), value);
    assert.equal(payloadConverter.fromPayload(defaultPayloadConverter.toPayload(undefined)), undefined);
  });

  const cases: [string, Payload, string][] = [
    ['json/protobuf', payload('json/protobuf', '{"a":1}'), 'unknown_encoding'],
    ['an unknown encoding', payload('evil/x', 'zz'), 'unknown_encoding'],
    ['no encoding', payload(null, '{}'), 'missing_metadata'],
    ['no metadata at all', { data: enc('{}') }, 'missing_metadata'],
    ['invalid JSON', payload('json/plain', '{"a":'), 'malformed_data'],
    [
      'bytes where JSON is declared',
      payload('json/plain', new Uint8Array([0x00, 0xff, 0xfe])),
      'malformed_data',
    ],
    ['deep nesting', payload('json/plain', `${'['.repeat(5000)}${']'.repeat(5000)}`), 'too_deep'],
  ];
  for (const [name, p, reason] of cases) {
    it(`never throws on ${name}: it becomes data (${reason})`, () => {
      const value = payloadConverter.fromPayload(p);
      assert.ok(isUndecodable(value), JSON.stringify(value));
      assert.equal(value.countersignUndecodable.reason, reason);
      assert.equal(value.countersignUndecodable.bytes, p.data?.length ?? 0);
    });
  }

  it('never quotes the data it could not read (it may hold a secret)', () => {
    const value = payloadConverter.fromPayload(payload('json/plain', '{"apiKey": "s3cr3t-value'));
    assert.doesNotMatch(JSON.stringify(value), /s3cr3t/);
  });

  it('never throws for any bytes under any encoding (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'json/plain',
          'binary/plain',
          'binary/null',
          'json/protobuf',
          'binary/protobuf',
          '',
          'x',
        ),
        fc.uint8Array({ maxLength: 256 }),
        (encoding, data) => {
          payloadConverter.fromPayload(payload(encoding, data));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('nesting depth', () => {
  it('measures without recursion', () => {
    assert.equal(nestingDepth(1), 0);
    assert.equal(nestingDepth({ a: [1] }), 2);
    let deep: unknown = 0;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    assert.equal(nestingDepth(deep), maxNestingDepth + 1, 'stops counting once over the limit');
  });
});

describe('admitMessage', () => {
  const good = { principal: 'alice@example.com', planHash, reason: 'ok' };
  it('admits a well-formed message', () => {
    const admitted = admitMessage(good, ApprovalInput);
    assert.ok(admitted.ok);
    assert.deepEqual(admitted.value, good);
  });
  const refused: [string, unknown, string, RegExp][] = [
    [
      'undecodable',
      {
        countersignUndecodable: {
          encoding: 'json/protobuf',
          bytes: 12,
          reason: 'unknown_encoding',
          detail: 'send json/plain',
        },
      },
      'undecodable_payload',
      /could not be decoded \(unknown_encoding\): send json\/plain/,
    ],
    ['binary', new Uint8Array(9), 'invalid_payload', /expected a JSON object, received binary \(9 bytes\)/],
    [
      'too large',
      { ...good, reason: 'r'.repeat(maxMessageBytes) },
      'payload_too_large',
      /at most 16384 are accepted/,
    ],
    ['missing field', { principal: 'a' }, 'invalid_payload', /planHash: /],
    ['extra field', { ...good, admin: true }, 'invalid_payload', /admin/],
    ['wrong type', { ...good, principal: 7 }, 'invalid_payload', /principal: /],
    ['null', null, 'invalid_payload', /\(root\)/],
    ['undefined (no argument)', undefined, 'invalid_payload', /\(root\)/],
  ];
  for (const [name, value, code, message] of refused) {
    it(`refuses ${name} as ${code}, naming what was wrong`, () => {
      const admitted = admitMessage(value, ApprovalInput);
      assert.ok(!admitted.ok);
      assert.equal(admitted.refusal.code, code);
      assert.match(admitted.refusal.message, message);
    });
  }
  it('describes shapes without values', () => {
    assert.equal(
      describeShape({ principal: 'secret', planHash: 'x' }),
      'object with keys "principal", "planHash"',
    );
    assert.equal(describeShape([1, 2]), 'array of 2');
    assert.equal(describeShape(new Uint8Array(3)), 'binary (3 bytes)');
  });
  it('never throws and never counts garbage as a signed decision (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const admitted = admitMessage(value, SignedDecision);
        assert.ok(!admitted.ok);
        assert.ok(admitted.refusal.message.length > 0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('workflow input envelope', () => {
  it('admits every recommendation the SDK sends', () => {
    assert.ok(admitMessage({ recommendation: example() }, ChangeInputEnvelope).ok);
  });
  it('refuses inputs the workflow could not even show', () => {
    for (const bad of [
      {},
      null,
      { recommendation: { ...example(), confidence: '0.9' } },
      { recommendation: { ...example(), change: { kind: { toString: 1 } } } },
    ])
      assert.ok(!admitMessage(bad, ChangeInputEnvelope).ok, JSON.stringify(bad));
  });
});

describe('state from the execution status', () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ['RUNNING', 'awaiting_approval', 'awaiting_approval'],
    ['COMPLETED', 'executed', 'executed'],
    ['TERMINATED', 'awaiting_approval', 'terminated'],
    ['TIMED_OUT', 'cooling_off', 'timed_out'],
    ['FAILED', 'validating', 'failed'],
    ['FAILED', undefined, 'failed'],
    ['CANCELLED', 'cancelled', 'cancelled'],
    ['CANCELLED', 'staging', 'cancelled'],
  ];
  for (const [status, recorded, expected] of cases) {
    it(`${status} with recorded ${recorded ?? 'nothing'} is ${expected}`, () => {
      assert.equal(effectiveState(status, recorded as never), expected);
    });
  }
  it('lists an active state only for running executions, and endings from outside by status', () => {
    assert.equal(
      stateClause('awaiting_approval', 'S'),
      "(S = 'awaiting_approval' AND ExecutionStatus = 'Running')",
    );
    assert.equal(stateClause('terminated', 'S'), "ExecutionStatus = 'Terminated'");
    assert.equal(stateClause('failed', 'S'), "(S = 'failed' OR ExecutionStatus = 'Failed')");
    assert.equal(stateClause('executed', 'S'), "S = 'executed'");
  });
});
