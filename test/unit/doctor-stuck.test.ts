import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunningChange } from '../../src/cli/doctor-report';
import { stuckChanges } from '../../src/cli/doctor-report';

describe('doctor: which running changes are stuck', () => {
  const cases: { name: string; change: RunningChange; said: string[] }[] = [
    {
      name: 'moving: a first workflow task, an activity on its first attempts',
      change: {
        workflowId: 'change-a',
        workflowTaskAttempt: 1,
        activities: [{ type: 'execute', attempt: 2 }],
      },
      said: [],
    },
    {
      name: 'workflow code failing on every attempt',
      change: { workflowId: 'change-b', workflowTaskAttempt: 4, activities: [] },
      said: [
        "change-b: its workflow code fails on every attempt (attempt 4); the worker log and the Temporal UI's history say why",
      ],
    },
    {
      name: 'an activity retried again and again, with its last failure',
      change: {
        workflowId: 'change-c',
        workflowTaskAttempt: 0,
        activities: [
          { type: 'askGovernors', attempt: 7, lastFailure: 'policy p.yaml is invalid' },
          { type: 'notify', attempt: 1 },
        ],
      },
      said: ['change-c: askGovernors failing (attempt 7): policy p.yaml is invalid'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(stuckChanges([c.change]), c.said);
    });
});
