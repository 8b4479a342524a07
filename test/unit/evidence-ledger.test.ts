import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalBytes } from '../../src/evidence/bundle';
import { bundleKeyOf, isStoreKey, ledgerKeyOf, sealKeyOf, storeKey } from '../../src/evidence/layout';
import type { LedgerEntry, LedgerHead } from '../../src/evidence/ledger';
import { appendLedgerEntry, ledgerGenesis, parseLedgerEntry, verifyLedger } from '../../src/evidence/ledger';
import { signBytes, signingKeyOf, trustedKeyOf } from '../../src/evidence/signing';
import { canonicalJson, hashOf } from '../../src/hash';

const signer = signingKeyOf(new Uint8Array(32).fill(7));
const rotated = signingKeyOf(new Uint8Array(32).fill(8));
const stranger = signingKeyOf(new Uint8Array(32).fill(9));
const trusted = [trustedKeyOf(signer)];

/** A ledger of `n` entries, the first `rotateAt` signed by `signer`, the rest by `rotated`. */
function ledger(n: number, rotateAt = n): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  let head: LedgerHead | null = null;
  for (let i = 0; i < n; i += 1) {
    const run = { workflowId: `change-${i}`, runId: `run-${i}` };
    const entry = appendLedgerEntry(
      head,
      { key: bundleKeyOf(run), digest: hashOf({ bundle: i }) },
      { ...run, closedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() },
      i < rotateAt ? signer : rotated,
    );
    entries.push(entry);
    head = { index: entry.index, hash: entry.hash };
  }
  return entries;
}

/** Entry `at` replaced by `edit(entry)`. */
const edited = (entries: readonly LedgerEntry[], at: number, edit: (e: LedgerEntry) => LedgerEntry) =>
  entries.map((e, i) => (i === at ? edit(e) : e));

/** The head statement a ledger entry's signature covers (as src/evidence/ledger signs it). */
const headBytes = (index: number, hash: string) =>
  canonicalBytes({ format: 'countersign.ledger-head/1', index, hash });

describe('ledger append and verify', () => {
  it('a ledger of N entries verifies, its head the last entry', () => {
    for (const n of [0, 1, 2, 7]) {
      const entries = ledger(n);
      const last = entries[n - 1];
      assert.deepEqual(verifyLedger(entries, trusted), {
        ok: true,
        head: last === undefined ? null : { index: last.index, hash: last.hash },
        length: n,
      });
    }
    const [first, second] = ledger(2);
    assert.equal(first?.prevHash, ledgerGenesis);
    assert.equal(second?.prevHash, first?.hash);
  });

  it('appending is deterministic: the same head and bundle give the same bytes', () => {
    assert.deepEqual(canonicalBytes(ledger(4)), canonicalBytes(ledger(4)));
  });

  it('entries signed before and after a key rotation verify with a keyring holding both keys', () => {
    const entries = ledger(5, 3);
    assert.equal(verifyLedger(entries, [...trusted, trustedKeyOf(rotated)]).ok, true);
    assert.deepEqual(verifyLedger(entries, [trustedKeyOf(rotated)]), {
      ok: false,
      index: 0,
      problem: `signed by ${signer.keyId}, not in the keyring`,
    });
  });

  const entries = ledger(5);
  const rehashed = (e: LedgerEntry, key = signer): LedgerEntry => {
    const { hash: _hash, signature: _signature, ...body } = e;
    const hash = hashOf(body);
    return { ...e, hash, signature: signBytes(headBytes(e.index, hash), key) };
  };
  const tamperings: { name: string; ledger: LedgerEntry[]; index: number; problem: RegExp }[] = [
    {
      name: 'an entry removed from the middle',
      ledger: entries.filter((e) => e.index !== 2),
      index: 2,
      problem: /^entry 3 stands where 2 belongs \(an entry is missing or moved\)$/,
    },
    {
      name: 'an entry moved',
      ledger: [entries[0], entries[3], entries[1], entries[2], entries[4]] as LedgerEntry[],
      index: 1,
      problem: /^entry 3 stands where 1 belongs/,
    },
    {
      name: 'an entry renumbered into the gap of a removed one',
      ledger: [...entries.slice(0, 2), rehashed({ ...(entries[3] as LedgerEntry), index: 2 })],
      index: 2,
      problem: /^does not link to the entry before it$/,
    },
    {
      name: 'a prevHash changed',
      ledger: edited(entries, 3, (e) => ({ ...e, prevHash: 'f'.repeat(64) })),
      index: 3,
      problem: /^does not link to the entry before it$/,
    },
    {
      name: "an entry's content edited",
      ledger: edited(entries, 2, (e) => ({ ...e, bundle: { ...e.bundle, digest: 'e'.repeat(64) } })),
      index: 2,
      problem: /^its content does not match its hash$/,
    },
    {
      name: 'a change renamed in an entry',
      ledger: edited(entries, 1, (e) => ({ ...e, change: { ...e.change, workflowId: 'other' } })),
      index: 1,
      problem: /^its content does not match its hash$/,
    },
    {
      name: 'the last entry edited and rehashed without the key',
      ledger: edited(entries, 4, (e) => {
        const forged = { ...e, bundle: { ...e.bundle, digest: 'e'.repeat(64) } };
        return { ...rehashed(forged), signature: e.signature };
      }),
      index: 4,
      problem: /^its head signature does not verify$/,
    },
    {
      name: 'an entry edited, rehashed and signed by an unknown key',
      ledger: edited(entries, 4, (e) => rehashed({ ...e, change: { ...e.change, runId: 'x' } }, stranger)),
      index: 4,
      problem: new RegExp(`^signed by ${stranger.keyId}, not in the keyring$`),
    },
    {
      name: 'a signature from an unknown key',
      ledger: edited(entries, 0, (e) => ({
        ...e,
        signature: signBytes(headBytes(e.index, e.hash), stranger),
      })),
      index: 0,
      problem: new RegExp(`^signed by ${stranger.keyId}, not in the keyring$`),
    },
    {
      name: 'signature values swapped between two entries',
      ledger: entries.map((e, i) =>
        i === 1
          ? { ...e, signature: (entries[2] as LedgerEntry).signature }
          : i === 2
            ? { ...e, signature: (entries[1] as LedgerEntry).signature }
            : e,
      ),
      index: 1,
      problem: /^its head signature does not verify$/,
    },
    {
      name: "a stranger's signature relabelled with the trusted key's id",
      ledger: edited(entries, 3, (e) => ({
        ...e,
        signature: { ...signBytes(headBytes(e.index, e.hash), stranger), keyId: signer.keyId },
      })),
      index: 3,
      problem: /^its head signature does not verify$/,
    },
  ];
  for (const c of tamperings)
    it(`names ${c.name}`, () => {
      const check = verifyLedger(c.ledger, trusted);
      assert.equal(check.ok, false, `${c.name} went unnoticed`);
      if (check.ok) return;
      assert.equal(check.index, c.index);
      assert.match(check.problem, c.problem);
    });

  it('a ledger cut after its last entry is still a valid ledger: only a kept head shows it', () => {
    const check = verifyLedger(entries.slice(0, -1), trusted);
    assert.equal(check.ok, true);
    assert.deepEqual(check.ok && check.head, { index: 3, hash: entries[3]?.hash });
    assert.notEqual(check.ok && check.head?.hash, entries[4]?.hash);
  });

  it('parseLedgerEntry reads back what was written and names what is wrong otherwise', () => {
    const entry = entries[2] as LedgerEntry;
    assert.deepEqual(parseLedgerEntry(canonicalBytes(entry)), entry);
    const problem = (bytes: Uint8Array) => {
      const parsed = parseLedgerEntry(bytes);
      assert.equal(typeof parsed, 'string');
      return parsed as string;
    };
    assert.match(problem(new Uint8Array([0xff, 0xfe])), /^not UTF-8 JSON: /);
    assert.match(problem(canonicalBytes({ ...entry, index: -1 })), /^index: /);
    assert.match(problem(canonicalBytes({ ...entry, format: 'countersign.ledger-entry/2' })), /^format: /);
  });
});

describe('RFC 8785 canonical JSON (canonicalJson)', () => {
  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    assert.equal(
      canonicalJson(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('serialises the example of RFC 8785 section 3.2.2', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    ) as unknown;
    assert.equal(
      canonicalJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  const numbers: [number, string][] = [
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [-0, '0'],
    [0, '0'],
    [333333333.33333329, '333333333.3333333'],
    [1e20, '100000000000000000000'],
    [0.000001, '0.000001'],
    [9007199254740992, '9007199254740992'],
    [-1.5e-300, '-1.5e-300'],
    [Number.MIN_VALUE, '5e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
  ];
  for (const [value, text] of numbers)
    it(`serialises the number ${Object.is(value, -0) ? '-0' : String(value)} as ${text} (RFC 8785 appendix B)`, () => {
      assert.equal(canonicalJson(value), text);
      assert.equal(canonicalJson([value]), `[${text}]`);
    });

  it('refuses NaN and the infinities, which JSON cannot hold', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      assert.throws(() => canonicalJson({ value }));
  });
});

describe('storeKey', () => {
  const part = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 12 })
    .filter((s) => s !== '.' && s !== '..');
  const tuple = fc.array(part, { minLength: 1, maxLength: 4 });

  it('is injective: two different tuples never share a key', () => {
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        fc.pre(canonicalJson(a) !== canonicalJson(b));
        assert.notEqual(storeKey(...a), storeKey(...b));
      }),
      { numRuns: 2000 },
    );
  });

  it('is injective on the characters encoding itself uses (~, %, /, hex digits)', () => {
    const tricky = fc.string({
      unit: fc.constantFrom('~', '%', '/', '7', 'E', '2', 'F', 'a', '.'),
      minLength: 1,
    });
    const trickyTuple = fc.array(
      tricky.filter((s) => s !== '.' && s !== '..'),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(trickyTuple, trickyTuple, (a, b) => {
        fc.pre(canonicalJson(a) !== canonicalJson(b));
        assert.notEqual(storeKey(...a), storeKey(...b));
      }),
      { numRuns: 2000 },
    );
  });

  it('every key it makes is a store key with one segment per part and no ..', () => {
    fc.assert(
      fc.property(tuple, (parts) => {
        const key = storeKey(...parts);
        assert.equal(isStoreKey(key), true, key);
        const segments = key.split('/');
        assert.equal(segments.length, parts.length);
        for (const s of segments) assert.ok(s !== '..' && s !== '.', key);
        assert.match(key, /^[A-Za-z0-9._~/-]+$/);
      }),
      { numRuns: 2000 },
    );
  });

  const explicit: [string[], string][] = [
    [['a/b'], 'a~2Fb'],
    [['a', 'b'], 'a/b'],
    [['~'], '~7E'],
    [['~7E'], '~7E7E'],
    [['%'], '~25'],
    [['%7E'], '~257E'],
    [['with space'], 'with~20space'],
    [['\u00e9t\u00e9'], '~C3~A9t~C3~A9'],
    [['\ud83d\ude00'], '~F0~9F~98~80'],
    [['...'], '...'],
    [["it's (1)*!"], 'it~27s~20~281~29~2A~21'],
    [['bundles', 'change/../x', 'run.json'], 'bundles/change~2F..~2Fx/run.json'],
  ];
  for (const [parts, key] of explicit)
    it(`encodes ${JSON.stringify(parts)} as ${key}`, () => {
      assert.equal(storeKey(...parts), key);
      assert.equal(isStoreKey(key), true);
    });

  it('refuses parts that cannot be a segment: empty, . and ..', () => {
    for (const part of ['', '.', '..'])
      assert.throws(() => storeKey('bundles', part), /cannot be encoded safely/);
  });

  it('refuses a lone surrogate (not text a workflow id can hold) rather than make a key of it', () => {
    assert.throws(() => storeKey('a\ud800b'));
  });

  it('isStoreKey refuses traversal, empty segments and characters outside the set', () => {
    for (const key of ['', '/a', 'a/', 'a//b', '..', 'a/../b', './a', 'a b', 'a%2F', 'a\\b', 'ä'])
      assert.equal(isStoreKey(key), false, JSON.stringify(key));
    assert.equal(isStoreKey(ledgerKeyOf(12)), true);
    assert.equal(ledgerKeyOf(12), 'ledger/000000000012.json');
  });

  it('a change id with / or .. stays inside its folder', () => {
    const run = { workflowId: '../../etc/passwd', runId: 'r/1' };
    assert.equal(bundleKeyOf(run), 'bundles/..~2F..~2Fetc~2Fpasswd/r~2F1.json');
    assert.equal(sealKeyOf(run), 'sealed/..~2F..~2Fetc~2Fpasswd/r~2F1.json');
  });
});
