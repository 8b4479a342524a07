import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Goal, GoalId } from '../../bench/goals';
import { GoalBoard, goalCell, goals, isMet, verdict } from '../../bench/goals';

const atMost: Goal = { section: 'x', what: 'w', bound: 'max', target: 2, unit: 'x', why: 'Benchmark' };
const atLeast: Goal = { ...atMost, bound: 'min', target: 0.8 };
const megabytes: Goal = { ...atMost, target: 300, unit: 'MB' };

describe('benchmark goals', () => {
  const cases: [string, Goal, number, boolean, string][] = [
    ['at most, under', atMost, 1.81, true, 'met'],
    ['at most, exactly on the target', atMost, 2, true, 'met'],
    ['at most, over', atMost, 2.34, false, 'missed by 0.34×'],
    ['at least, over', atLeast, 0.91, true, 'met'],
    ['at least, exactly on the target', atLeast, 0.8, true, 'met'],
    ['at least, under', atLeast, 0.67, false, 'missed by 0.13×'],
    ['megabytes, under', megabytes, 290.4, true, 'met'],
    ['megabytes, over', megabytes, 476.1, false, 'missed by 176 MB'],
    [
      'no finite value (a section divided by zero)',
      atMost,
      Number.NaN,
      false,
      'not measured (no finite value)',
    ],
    ['no finite value, at least', atLeast, Number.POSITIVE_INFINITY, false, 'not measured (no finite value)'],
  ];
  for (const [name, goal, value, met, text] of cases) {
    it(`${name}: ${text}`, () => {
      assert.equal(isMet(goal, value), met);
      assert.equal(verdict(goal, value), text);
    });
  }

  it('puts the target and the verdict in a table cell', () => {
    assert.equal(goalCell('cli-explain', 2.34), '≤ 2× MISSED');
    assert.equal(goalCell('cli-help', 1.81), '≤ 2× met');
    assert.equal(goalCell('burst-throughput', 0.67), '≥ 0.8× MISSED');
    assert.equal(goalCell('parked-memory', 290), '≤ 300 MB met');
  });

  it('lists what the run measured, in order, with the cause only where a goal is missed', () => {
    const board = new GoalBoard();
    board.record('cli-help', 1.81);
    board.record('parked-memory', 476, 'cache 250 (default)');
    board.record('parked-memory', 290, 'cache 50');
    assert.equal(board.size, 3);
    const rows = board.table().split('\n').slice(2);
    assert.equal(rows.length, 3);
    const cells = rows.map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
    assert.deepEqual(cells[0], ['(g)', goals['cli-help'].what, '≤ 2×', '1.81×', 'met', '']);
    assert.deepEqual(cells[1], [
      '(l)',
      `${goals['parked-memory'].what} (cache 250 (default))`,
      '≤ 300 MB',
      '476 MB',
      'missed by 176 MB',
      goals['parked-memory'].why,
    ]);
    assert.equal(cells[2]?.[4], 'met');
    assert.equal(cells[2]?.[5], '');
  });

  it('names, for every goal, README sections that exist', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const headings = readme
      .split('\n')
      .filter((line) => /^#{2,3} /.test(line))
      .map((line) => line.replace(/^#+ /, ''));
    for (const [id, goal] of Object.entries(goals) as [GoalId, Goal][]) {
      const [top, sub] = goal.why.split(' › ');
      const at = headings.indexOf(top ?? '');
      assert.ok(at >= 0, `${id}: README has no section "${top}"`);
      if (sub !== undefined)
        assert.ok(headings.indexOf(sub, at) > at, `${id}: README has no "${sub}" under "${top}"`);
    }
  });
});
