import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Reason } from '../../src/policy/decision';
import { reasonSentence } from '../../src/policy/reason-sentence';

describe('reasonSentence: a policy reason as a person reads it', () => {
  const cases: { name: string; reason: Reason; sentence: string }[] = [
    {
      name: 'a rule without a bound: its description, capitalised, one full stop',
      reason: {
        rule: 'production.apex',
        path: 'environment, apex',
        value: 'production, true',
        message: 'production zone apex, dual control and a cooling-off delay.',
      },
      sentence: 'Production zone apex, dual control and a cooling-off delay.',
    },
    {
      name: 'a rule with a bound: the value it saw beside the bound',
      reason: {
        rule: 'production.critical_zone_wide_update',
        path: 'environment, zoneLabels.criticality, recordsTouched',
        value: 'production, high, 7',
        threshold: 'recordsTouched > 4',
        message: 'several records at once in a zone labelled critical',
      },
      sentence: 'Several records at once in a zone labelled critical: recordsTouched 7 (> 4).',
    },
    {
      name: 'a bound whose value cannot be paired (a value with a comma): the bound alone',
      reason: {
        rule: 'r',
        path: 'a, b',
        value: 'x, y, z',
        threshold: 'b > 1',
        message: 'odd values',
      },
      sentence: 'Odd values: b > 1.',
    },
    {
      name: 'a guard on the plan: the measured share and the limit',
      reason: {
        rule: 'blast_radius.update_share',
        path: 'plan',
        value: '35.0% of 20 records',
        threshold: '> 30%',
        message: 'the plan touches a large share of the zone',
      },
      sentence: 'The plan touches a large share of the zone: 35.0% of 20 records (> 30%).',
    },
    {
      name: 'a two-key check: the one fact it checked',
      reason: {
        rule: 'two_key.confidence',
        path: 'confidence',
        value: '0.62',
        threshold: '< 0.9',
        message: 'automatic execution needs high confidence AND low scope',
      },
      sentence: 'Automatic execution needs high confidence AND low scope: confidence 0.62 (< 0.9).',
    },
    {
      name: 'a two-key check on a nested path: the last segment names it',
      reason: {
        rule: 'two_key.environment',
        path: 'target.environment',
        value: 'production',
        threshold: 'not one of staging, development',
        message: 'automatic execution needs high confidence AND low scope',
      },
      sentence:
        'Automatic execution needs high confidence AND low scope: environment production (not one of staging, development).',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(reasonSentence(c.reason), c.sentence);
    });
});
