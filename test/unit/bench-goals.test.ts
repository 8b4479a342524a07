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
    ['no finite value (zero over zero)', atMost, Number.NaN, false, 'not measured (no finite value)'],
    [
      'no finite value (over zero), at least',
      atLeast,
      Number.POSITIVE_INFINITY,
      false,
      'not measured (no finite value)',
    ],
    ['just over the target: the distance still shows', atMost, 2.0004, false, 'missed by 0.0004×'],
    ['just over, in megabytes', megabytes, 300.3, false, 'missed by 0.3 MB'],
  ];
  for (const [name, goal, value, met, text] of cases) {
    it(`${name}: ${text}`, () => {
      assert.equal(isMet(goal, value), met);
      assert.equal(verdict(goal, value), text);
    });
  }

  it('puts the target and the verdict in a table cell', () => {
    const explain = goals['cli-explain'].target;
    assert.equal(goalCell('cli-explain', explain + 0.34), `≤ ${explain}× MISSED`);
    assert.equal(goalCell('cli-explain', explain - 0.2), `≤ ${explain}× met`);
    const burst = goals['burst-throughput'].target;
    assert.equal(goalCell('burst-throughput', burst - 0.13), `≥ ${burst}× MISSED`);
    const memory = goals['parked-memory'].target;
    assert.equal(goalCell('parked-memory', memory - 10), `≤ ${memory} MB met`);
    assert.equal(goalCell('parked-memory', Number.NaN), `≤ ${memory} MB not measured`);
  });

  it('lists what the run measured, in order, with the cause only where a goal is missed', () => {
    const help = goals['cli-help'];
    const memory = goals['parked-memory'];
    const board = new GoalBoard();
    board.record('cli-help', help.target - 0.19);
    board.record('parked-memory', memory.target + 176, 'cache 250, the default');
    board.record('parked-memory', memory.target - 10, 'cache 50');
    board.record('burst-throughput', Number.NaN);
    assert.equal(board.size, 4);
    const rows = board.table().split('\n').slice(2);
    assert.equal(rows.length, 4);
    const cells = rows.map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
    assert.deepEqual(cells[0], [
      '(g)',
      help.what,
      `≤ ${help.target}×`,
      `${(help.target - 0.19).toFixed(2)}×`,
      'met',
      '',
    ]);
    assert.deepEqual(cells[1], [
      '(l)',
      `${memory.what} (cache 250, the default)`,
      `≤ ${memory.target} MB`,
      `${memory.target + 176} MB`,
      'missed by 176 MB',
      memory.why,
    ]);
    assert.deepEqual(cells[2]?.slice(4), ['met', '']);
    // Not measured: no verdict of missed, so no cause either.
    assert.deepEqual(cells[3]?.slice(3), ['-', 'not measured (no finite value)', '']);
  });

  it('names, for every goal, a README section that exists', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const headings = readme.split('\n').filter((line) => /^#{2,3} /.test(line));
    for (const [id, goal] of Object.entries(goals) as [GoalId, Goal][]) {
      const [top, sub] = goal.why.split(' › ');
      const at = headings.indexOf(`## ${top ?? ''}`);
      assert.ok(at >= 0, `${id}: README has no section "${top}"`);
      if (sub === undefined) continue;
      const nextTop = headings.findIndex((line, i) => i > at && line.startsWith('## '));
      const subAt = headings.indexOf(`### ${sub}`, at);
      assert.ok(
        subAt > at && (nextTop < 0 || subAt < nextTop),
        `${id}: README has no "${sub}" under "${top}"`,
      );
    }
  });
});
