import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatBlock, EscalationFacts } from '../../src/notify/chat-message';
import { chatMessage } from '../../src/notify/chat-message';

const facts: EscalationFacts = {
  kind: 'approval',
  workflowId: 'change-rec-9',
  stage: 1,
  notify: ['sre'],
  what: 'dns.upsert_rrset api.example.com. A in example.com. (production)',
  why: 'api latency: move to the healthy pool',
  risk: 'tier 2 — one approval; production.default',
  riskOfWaiting: 'the request is rejected (fail closed) at 2026-12-04T10:00:00.000Z if nobody decides',
  whoCanDecide: '1 sre; not aiops-dns-agent, bob@example.com',
  howToDecide:
    'countersign status rec-9; countersign approve rec-9 --plan-hash 0123456789abcdef --key <your key file> --reason "..."',
  expiresAt: '2026-12-04T10:00:00.000Z',
};

const textOf = (block: ChatBlock | undefined): string =>
  block === undefined
    ? ''
    : block.type === 'context'
      ? block.elements.map((e) => e.text).join(' ')
      : block.type === 'header'
        ? block.text.text
        : [block.text?.text ?? '', ...(block.fields ?? []).map((f) => f.text)].join('\n');

describe('an escalation for a chat tool (Slack-compatible incoming webhook)', () => {
  const message = chatMessage(facts, 'change-rec-9:approval-escalation-1:run-7');

  it('leads with what needs whom, then the facts, then the commands in a code block', () => {
    assert.deepEqual(
      message.blocks.map((b) => b.type),
      ['header', 'section', 'section', 'section', 'context'],
    );
    assert.equal(textOf(message.blocks[0]), `Approval needed: ${facts.what}`);
    assert.deepEqual(
      (message.blocks[1] as { fields: { text: string }[] }).fields.map((f) => f.text.split('\n')[0]),
      ['*Who can decide*', '*Decide by*', '*Risk*', '*If nobody decides*'],
    );
    assert.match(textOf(message.blocks[1]), /1 sre; not aiops-dns-agent, bob@example\.com/);
    assert.equal(
      textOf(message.blocks[3]),
      '*How to decide*\n```countersign status rec-9\ncountersign approve rec-9 --plan-hash 0123456789abcdef --key &lt;your key file&gt; --reason "..."```',
    );
    assert.match(
      textOf(message.blocks[4]),
      /change-rec-9 · escalation 1 to sre · key change-rec-9:approval-escalation-1:run-7/,
    );
  });

  it('has a fallback text with the deadline and the command, for clients without blocks', () => {
    assert.match(
      message.text,
      /^Approval needed: .+ — decide by 2026-12-04T10:00:00\.000Z: countersign status rec-9/,
    );
  });

  const hostile: {
    name: string;
    input: Partial<EscalationFacts>;
    check: (m: ReturnType<typeof chatMessage>) => void;
  }[] = [
    {
      name: "a caller's text cannot inject links or mentions (Slack markup is escaped)",
      input: { why: '<!channel> click <https://evil.example|here> & pay' },
      check: (m) => {
        const why = textOf(m.blocks[2]);
        assert.equal(why, '*Why*\n&lt;!channel&gt; click &lt;https://evil.example|here&gt; &amp; pay');
      },
    },
    {
      name: 'a long title is cut to the header limit, saying so',
      input: { what: 'x'.repeat(400) },
      check: (m) => {
        const header = textOf(m.blocks[0]);
        assert.equal(header.length, 150);
        assert.ok(header.endsWith('…'));
      },
    },
    {
      name: 'a huge rationale is cut to the section limit',
      input: { why: 'y'.repeat(10_000) },
      check: (m) => assert.equal(textOf(m.blocks[2]).length, 3000),
    },
    {
      name: 'an empty field shows a dash, not nothing',
      input: { whoCanDecide: '' },
      check: (m) => assert.match(textOf(m.blocks[1]), /\*Who can decide\*\n—/),
    },
    {
      name: 'each kind says what it is',
      input: { kind: 'verification' },
      check: (m) => assert.match(textOf(m.blocks[0]), /^A written change could not be verified: /),
    },
    {
      name: 'a request that just opened says so, with the command to approve',
      input: { kind: 'request', stage: 0 },
      check: (m) => {
        assert.match(textOf(m.blocks[0]), /^Approval requested: /);
        assert.match(m.text, /countersign approve /);
      },
    },
  ];
  for (const c of hostile)
    it(c.name, () => {
      c.check(chatMessage({ ...facts, ...c.input }, 'k'));
    });
});
