import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvidenceEntry, EvidenceInput } from '../../src/evidence/chain';
import { appendEvidence } from '../../src/evidence/chain';
import { renderTimelines, timelinesOf } from '../../src/evidence/timelines';

function chain(...inputs: [EvidenceInput['stream'], string][]): EvidenceEntry[] {
  const entries: EvidenceEntry[] = [];
  for (const [stream, step] of inputs)
    entries.push(
      appendEvidence(entries, { stream, step, actor: 'someone', summary: `${step} happened` }, new Date(0)),
    );
  return entries;
}

describe('decision and operation timelines', () => {
  const cases: [string, EvidenceEntry[], Record<number, number[]>, Record<number, number | null>][] = [
    ['no entries', [], {}, {}],
    ['decisions only', chain(['decision', 'submitted'], ['decision', 'classified']), { 0: [], 1: [] }, {}],
    [
      'operations follow the last decision before them',
      chain(
        ['decision', 'submitted'],
        ['operation', 'staged'],
        ['decision', 'approve_counted'],
        ['operation', 'execute_applied'],
        ['operation', 'verified'],
      ),
      { 0: [1], 2: [3, 4] },
      { 1: 0, 3: 2, 4: 2 },
    ],
    [
      'an operation before any decision follows none',
      chain(['operation', 'escalated'], ['decision', 'close']),
      { 1: [] },
      { 0: null },
    ],
  ];
  for (const [name, entries, led, after] of cases)
    it(name, () => {
      const { decisions, operations } = timelinesOf(entries);
      assert.deepEqual(Object.fromEntries(decisions.map((d) => [d.seq, d.led])), led);
      assert.deepEqual(Object.fromEntries(operations.map((o) => [o.seq, o.after])), after);
      // Every entry is in exactly one log.
      assert.equal(decisions.length + operations.length, entries.length);
    });

  it('renders both logs with the correlation a person follows', () => {
    const text = renderTimelines(
      chain(['decision', 'submitted'], ['decision', 'approve_counted'], ['operation', 'execute_applied']),
    );
    assert.match(text, /^DECISION LOG.*\(2\)$/m);
    assert.match(text, /#1 +00:00:00.000 +approve_counted .*→ ops #2$/m);
    assert.match(text, /^OPERATION LOG.*\(1\)$/m);
    assert.match(text, /#2 +00:00:00.000 +execute_applied .*← #1 approve_counted$/m);
    assert.match(renderTimelines(chain(['decision', 'submitted'])), /nothing was done to any system/);
  });

  it('keeps lines within the width it is given', () => {
    const long = chain(['decision', 'submitted']).map((e) => ({ ...e, summary: 'x'.repeat(500) }));
    for (const line of renderTimelines(long, 100).split('\n')) assert.ok(line.length <= 100, line);
  });
});
