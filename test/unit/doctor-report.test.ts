import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { missingSearchAttributes, renderDoctorReport } from '../../src/cli/doctor-report';

describe('countersign doctor report', () => {
  it('one line per check, the fix under what is not fine, the verdict last', () => {
    const text = renderDoctorReport([
      { name: 'Temporal', status: 'ok', found: 'reachable', fix: 'never shown for ok' },
      { name: 'PowerDNS', status: 'fail', found: 'refused the key', fix: 'set the key' },
      { name: 'approver directory', status: 'warn', found: 'not set', fix: 'set it' },
    ]);
    assert.deepEqual(text.split('\n'), [
      '  ok    Temporal            reachable',
      '  FAIL  PowerDNS            refused the key',
      '                            fix: set the key',
      '  warn  approver directory  not set',
      '                            fix: set it',
      '',
      '1 problem to fix and 1 warning: fix it and run countersign doctor again.',
    ]);
  });

  const verdicts: { statuses: ('ok' | 'warn' | 'fail')[]; verdict: string }[] = [
    { statuses: ['ok', 'ok'], verdict: 'everything countersign needs works.' },
    { statuses: ['ok', 'warn'], verdict: 'everything countersign needs works; 1 warning above.' },
    { statuses: ['fail', 'fail'], verdict: '2 problems to fix: fix them and run countersign doctor again.' },
  ];
  for (const v of verdicts)
    it(`verdict for ${v.statuses.join(', ')}`, () => {
      const text = renderDoctorReport(v.statuses.map((status, i) => ({ name: `c${i}`, status, found: 'x' })));
      assert.equal(text.split('\n').at(-1), v.verdict);
    });

  it('search attributes: missing ones, and ones registered with another type', () => {
    assert.deepEqual(
      missingSearchAttributes(
        [
          { name: 'CountersignState', type: 'Keyword' },
          { name: 'CountersignOverride', type: 'KeywordList' },
          { name: 'CountersignZone', type: 'Keyword' },
        ],
        { CountersignOverride: 'KEYWORD_LIST', CountersignZone: 'TEXT' },
      ),
      [
        { name: 'CountersignState', type: 'Keyword' },
        { name: 'CountersignZone', type: 'Keyword', registeredAs: 'TEXT' },
      ],
    );
  });
});
