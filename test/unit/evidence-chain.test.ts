import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EvidenceEntry, EvidenceInput } from '../../src/evidence/chain';
import { appendEvidence, genesisHash, verifyChain } from '../../src/evidence/chain';

const inputs: readonly EvidenceInput[] = [
  { stream: 'decision', step: 'submitted', actor: 'aiops-dns-agent', summary: 'recommendation received' },
  {
    stream: 'decision',
    step: 'classified',
    actor: 'policy',
    summary: 'tier 2',
    data: { rules: ['production.default'] },
  },
  {
    stream: 'operation',
    step: 'staged',
    actor: 'worker',
    summary: 'plan computed',
    data: { hash: 'f'.repeat(64) },
  },
  { stream: 'decision', step: 'approve_counted', actor: 'alice@example.com', summary: 'approval 1 of 1' },
  { stream: 'operation', step: 'execute_applied', actor: 'worker', summary: 'PATCH zone' },
];

function build(): EvidenceEntry[] {
  const chain: EvidenceEntry[] = [];
  inputs.forEach((input, i) =>
    chain.push(appendEvidence(chain, input, new Date(Date.UTC(2026, 10, 20, 10, i)))),
  );
  return chain;
}

describe('appendEvidence', () => {
  it('numbers entries, stamps time and links each to the previous hash', () => {
    const chain = build();
    assert.deepEqual(
      chain.map((e) => e.seq),
      [0, 1, 2, 3, 4],
    );
    assert.equal(chain[0]!.prevHash, genesisHash);
    for (let i = 1; i < chain.length; i += 1) assert.equal(chain[i]!.prevHash, chain[i - 1]!.hash);
    assert.equal(chain[2]!.at, '2026-11-20T10:02:00.000Z');
    assert.deepEqual(chain[1]!.data, { rules: ['production.default'] });
    assert.equal(new Set(chain.map((e) => e.hash)).size, chain.length);
    for (const e of chain) assert.match(e.hash, /^[0-9a-f]{64}$/);
  });

  it('is deterministic for the same input and time', () => {
    assert.deepEqual(build(), build());
  });

  it('the hash depends on the time', () => {
    const a = appendEvidence([], inputs[0]!, new Date(0));
    const b = appendEvidence([], inputs[0]!, new Date(1));
    assert.notEqual(a.hash, b.hash);
  });
});

describe('verifyChain', () => {
  it('an empty chain verifies with the genesis head', () => {
    assert.deepEqual(verifyChain([]), { ok: true, head: genesisHash, length: 0 });
  });

  it('a built chain verifies; its head is the last hash', () => {
    const chain = build();
    assert.deepEqual(verifyChain(chain), { ok: true, head: chain[4]!.hash, length: 5 });
  });

  const tamperings: {
    name: string;
    tamper: (chain: EvidenceEntry[]) => EvidenceEntry[];
    seq: number;
    problem: RegExp;
  }[] = [
    {
      name: "editing an entry's summary",
      tamper: (c) => c.map((e) => (e.seq === 2 ? { ...e, summary: 'plan computed (edited)' } : e)),
      seq: 2,
      problem: /content does not match its hash/,
    },
    {
      name: "editing an entry's data",
      tamper: (c) => c.map((e) => (e.seq === 1 ? { ...e, data: { rules: [] } } : e)),
      seq: 1,
      problem: /content does not match its hash/,
    },
    {
      name: "editing the first entry's actor",
      tamper: (c) => c.map((e) => (e.seq === 0 ? { ...e, actor: 'someone-else' } : e)),
      seq: 0,
      problem: /content does not match its hash/,
    },
    {
      name: 'editing a summary and recomputing that hash',
      tamper: (c) =>
        c.map((e) => {
          if (e.seq !== 3) return e;
          const { hash: _hash, ...rest } = e;
          const forged = appendEvidence(
            c.slice(0, 3),
            { ...rest, summary: 'approval 2 of 1' },
            new Date(e.at),
          );
          return forged;
        }),
      seq: 4,
      problem: /does not link/,
    },
    {
      name: 'deleting a middle entry',
      tamper: (c) => c.filter((e) => e.seq !== 2),
      seq: 2,
      problem: /sequence number 3 where 2 was expected/,
    },
    {
      name: 'deleting the first entry',
      tamper: (c) => c.slice(1),
      seq: 0,
      problem: /sequence number 1 where 0 was expected/,
    },
    {
      name: 'swapping two entries',
      tamper: (c) => [c[0]!, c[1]!, c[3]!, c[2]!, c[4]!],
      seq: 2,
      problem: /sequence number 3 where 2 was expected/,
    },
    {
      name: 'swapping two entries and renumbering them',
      tamper: (c) => [c[0]!, c[1]!, { ...c[3]!, seq: 2 }, { ...c[2]!, seq: 3 }, c[4]!],
      seq: 2,
      problem: /does not link/,
    },
    {
      name: 'changing a prevHash',
      tamper: (c) => c.map((e) => (e.seq === 3 ? { ...e, prevHash: '1'.repeat(64) } : e)),
      seq: 3,
      problem: /does not link/,
    },
    {
      name: 'changing a hash',
      tamper: (c) => c.map((e) => (e.seq === 4 ? { ...e, hash: '2'.repeat(64) } : e)),
      seq: 4,
      problem: /content does not match its hash/,
    },
  ];
  for (const t of tamperings) {
    it(`detects ${t.name} at seq ${t.seq}`, () => {
      const result = verifyChain(t.tamper(build()));
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.seq, t.seq);
      assert.match(result.problem, t.problem);
    });
  }

  it('dropping the last entry still verifies, but the head no longer matches the recorded head', () => {
    const chain = build();
    const recordedHead = chain[4]!.hash;
    const truncated = verifyChain(chain.slice(0, 4));
    assert.equal(truncated.ok, true);
    if (!truncated.ok) return;
    assert.equal(truncated.length, 4);
    assert.notEqual(truncated.head, recordedHead);
  });
});
