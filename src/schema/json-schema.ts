import { z } from 'zod';
import { ApprovalInput, DecisionInput } from './approval';
import { Recommendation } from './recommendation';

const base = 'urn:countersign:schema';

/** JSON Schemas generated from the zod schemas, for editors, other languages and reviewers. */
export function publishedSchemas(): Record<string, unknown> {
  const publish = (name: string, schema: z.ZodType, title: string) => ({
    $id: `${base}:${name}`,
    title,
    ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }),
  });
  return {
    recommendation: publish('recommendation', Recommendation, 'countersign recommendation'),
    'approval-signal': publish('approval-signal', ApprovalInput, 'countersign approve/reject signal payload'),
    'decide-update': publish('decide-update', DecisionInput, 'countersign decide update payload'),
  };
}
