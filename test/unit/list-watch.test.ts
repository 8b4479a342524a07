import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ListedChange } from '../../src/client/countersign-client';
import { movedSince, watchFrame, watchInterval } from '../../src/cli/list-watch';
import { InputError } from '../../src/cli/read-input';

const row = (workflowId: string, state: string): ListedChange => ({
  workflowId,
  state,
  status: 'RUNNING',
  startTime: '2026-12-03T10:00:00.000Z',
  tier: '2',
  requester: 'aiops-dns-agent',
  environment: 'production',
  zone: 'example.com.',
});

describe('countersign list --watch', () => {
  const intervals: { value: string | boolean; seconds?: number }[] = [
    { value: true, seconds: 2 },
    { value: '0.5', seconds: 0.5 },
    { value: '10', seconds: 10 },
    { value: '0' },
    { value: '-1' },
    { value: 'soon' },
    { value: '3601' },
  ];
  for (const c of intervals)
    it(`--watch ${String(c.value)}: ${c.seconds === undefined ? 'refused, naming the option and the range' : `every ${c.seconds} s`}`, () => {
      if (c.seconds !== undefined) assert.equal(watchInterval(c.value), c.seconds);
      else
        assert.throws(
          () => watchInterval(c.value),
          (err: Error) =>
            err instanceof InputError &&
            /^--watch: expected seconds between refreshes, 0.5 to 3600, received /.test(err.message),
        );
    });

  it('says which changes moved since the last refresh, and which are new', () => {
    const before = new Map([
      ['change-a', 'awaiting_approval'],
      ['change-b', 'executing'],
    ]);
    assert.deepEqual(
      movedSince(before, [
        row('change-a', 'cooling_off'),
        row('change-b', 'executing'),
        row('change-c', 'validating'),
      ]),
      ['change-a: awaiting_approval → cooling_off', 'change-c: new, validating'],
    );
    assert.deepEqual(
      movedSince(undefined, [row('change-a', 'executed')]),
      [],
      'nothing moved on the first frame',
    );
  });

  it('a frame: the table with its header, what moved, when, and how to stop', () => {
    const frame = watchFrame(
      [row('change-a', 'executed')],
      new Map([['change-a', 'verifying']]),
      new Date('2026-12-03T10:00:05.000Z'),
      2,
    );
    const lines = frame.split('\n');
    assert.match(lines[0] ?? '', /^STARTED +STATE +TIER +REQUESTER/);
    assert.ok(lines.includes('  change-a: verifying → executed'), frame);
    assert.equal(lines.at(-1), 'updated 10:00:05 UTC · every 2 s · Ctrl-C to stop');
  });
});
