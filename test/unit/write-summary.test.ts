import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WriteOutcome } from '../../src/change/write-summary';
import { writeSummary } from '../../src/change/write-summary';

describe('writeSummary', () => {
  const cases: { step: 'execute' | 'rollback'; result: WriteOutcome; expected: string }[] = [
    { step: 'execute', result: { outcome: 'applied' }, expected: 'execute: applied' },
    {
      step: 'execute',
      result: { outcome: 'applied', acknowledgementLost: 'stamp' },
      expected: "execute: applied, acknowledgement lost (this write's own stamp is on the records)",
    },
    {
      step: 'rollback',
      result: { outcome: 'applied', acknowledgementLost: 'earlier_attempt' },
      expected:
        'rollback: applied, acknowledgement lost (inferred: an earlier attempt of this write ran, and the provider keeps no author)',
    },
    {
      step: 'execute',
      result: { outcome: 'already_applied' },
      expected: 'execute: already there, written by someone else; nothing written',
    },
    {
      step: 'rollback',
      result: { outcome: 'stale' },
      expected: 'rollback: live state moved; nothing written',
    },
  ];
  for (const { step, result, expected } of cases)
    it(`${step} ${JSON.stringify(result)}`, () => assert.equal(writeSummary(step, result), expected));
});
