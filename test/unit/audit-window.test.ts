import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Window, WindowBasis } from '../../src/audit/window';
import { inWindow, parseInstant, parseWindow } from '../../src/audit/window';

const now = Date.parse('2026-11-27T12:00:00Z');

describe('audit: --since / --until', () => {
  const cases: [text: string, expected: string | null][] = [
    ['7d', '2026-11-20T12:00:00.000Z'],
    ['24h', '2026-11-26T12:00:00.000Z'],
    ['1h30m', '2026-11-27T10:30:00.000Z'],
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-20T10:00:00Z', '2026-11-20T10:00:00.000Z'],
    ['2026-11-20T10:00:00.250Z', '2026-11-20T10:00:00.250Z'],
    ['2026-11-20T23:30:00-05:00', '2026-11-21T04:30:00.000Z'],
    ['yesterday', null],
    ['7', null],
    ['7w', null],
    ['-7d', null],
    ['2026-13-01', null],
    ['2026-02-30', null],
    ['2026-11-20T10:00:00', null], // no zone: ambiguous
    ['', null],
  ];
  for (const [text, expected] of cases) {
    it(`"${text}" → ${expected ?? 'refused'}`, () => {
      const parsed = parseInstant('--since', text, now);
      if (expected === null) {
        assert.equal(parsed.ok, false);
        if (!parsed.ok) {
          assert.match(
            parsed.message,
            /^--since: expected a duration back from now \(7d, 24h, 90m\) or an ISO 8601/,
          );
          assert.ok(parsed.message.includes(`received "${text}"`));
        }
      } else {
        assert.deepEqual(parsed, { ok: true, ms: Date.parse(expected) });
      }
    });
  }

  it('names the option that is wrong and refuses since after until', () => {
    const bad = parseWindow({ since: '1d', until: 'soon' }, now);
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.message, /^--until: /);
    const reversed = parseWindow({ since: '1d', until: '3d' }, now);
    assert.match(
      reversed.ok ? '' : reversed.message,
      /^--since: .* is after --until .*; expected since <= until$/,
    );
    assert.deepEqual(parseWindow({}, now), { ok: true, window: { since: null, until: null } });
  });
});

describe('audit: which changes a window selects', () => {
  const w: Window = { since: Date.parse('2026-11-20T00:00:00Z'), until: Date.parse('2026-11-27T00:00:00Z') };
  const cases: [
    name: string,
    openedAt: string,
    closedAt: string | null,
    expected: Record<WindowBasis, boolean>,
  ][] = [
    ['inside', '2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z', { opened: true, closed: true, active: true }],
    [
      'opened before, closed inside',
      '2026-11-19T00:00:00Z',
      '2026-11-21T00:00:00Z',
      { opened: false, closed: true, active: true },
    ],
    [
      'opened inside, closed after',
      '2026-11-26T00:00:00Z',
      '2026-11-28T00:00:00Z',
      { opened: true, closed: false, active: true },
    ],
    [
      'still open, opened before',
      '2026-11-01T00:00:00Z',
      null,
      { opened: false, closed: false, active: true },
    ],
    [
      'closed before',
      '2026-11-01T00:00:00Z',
      '2026-11-02T00:00:00Z',
      { opened: false, closed: false, active: false },
    ],
    ['opened after', '2026-11-28T00:00:00Z', null, { opened: false, closed: false, active: false }],
  ];
  for (const [name, openedAt, closedAt, expected] of cases) {
    it(name, () => {
      for (const basis of ['opened', 'closed', 'active'] as const)
        assert.equal(inWindow({ openedAt, closedAt }, w, basis), expected[basis], basis);
    });
  }
});
