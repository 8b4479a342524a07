/** What an escalation says, as the change workflow and the governors send it (EscalationPayload). */
export interface EscalationFacts {
  readonly kind?: string;
  readonly workflowId: string;
  readonly stage: number;
  readonly notify: readonly string[];
  readonly what: string;
  readonly why: string;
  readonly risk: string;
  readonly riskOfWaiting: string;
  readonly whoCanDecide: string;
  readonly howToDecide: string;
  readonly expiresAt: string;
}

type Text = { type: 'plain_text' | 'mrkdwn'; text: string };
export type ChatBlock =
  | { type: 'header'; text: Text }
  | { type: 'section'; text?: Text; fields?: Text[] }
  | { type: 'context'; elements: Text[] };

/** A Slack-compatible incoming-webhook body (Mattermost and others accept the same `text`/`blocks`). */
export interface ChatMessage {
  /** The fallback: notifications and clients that do not render blocks show this. */
  readonly text: string;
  readonly blocks: readonly ChatBlock[];
}

/** Slack's mrkdwn treats these three as markup; everything else from a caller is shown as typed. */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cut to Slack's limits (header 150, a field 2,000, a section 3,000 characters), saying so. */
const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const kindTitle: Record<string, string> = {
  request: 'Approval requested',
  approval: 'Approval needed',
  verification: 'A written change could not be verified',
  provider: 'The DNS provider is not answering',
  governor: 'A governor needs a person',
  lock: 'A registry lock could not be put back',
};

/**
 * An escalation rendered for a chat tool: what needs whom first, then what changes, risk and why,
 * the deadline, and the exact commands in a code block (copied, not retyped).
 */
export function chatMessage(facts: EscalationFacts, idempotencyKey: string): ChatMessage {
  const title = kindTitle[facts.kind ?? 'approval'] ?? 'A change needs a person';
  const header = cut(`${title}: ${facts.what}`, 150);
  const field = (label: string, value: string): Text => ({
    type: 'mrkdwn',
    text: cut(`*${label}*\n${escape(value === '' ? '—' : value)}`, 2000),
  });
  const commands = facts.howToDecide
    .split(/;\s*/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  return {
    text: cut(`${header} — decide by ${facts.expiresAt}: ${facts.howToDecide}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header } },
      {
        type: 'section',
        fields: [
          field('Who can decide', facts.whoCanDecide),
          field('Decide by', facts.expiresAt),
          field('Risk', facts.risk),
          field('If nobody decides', facts.riskOfWaiting),
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: cut(`*Why*\n${escape(facts.why)}`, 3000) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: cut(`*How to decide*\n\`\`\`${escape(commands.join('\n'))}\`\`\``, 3000),
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: escape(
              `${facts.workflowId} · escalation ${facts.stage} to ${facts.notify.join(', ') || 'the log'} · key ${idempotencyKey}`,
            ),
          },
        ],
      },
    ],
  };
}
