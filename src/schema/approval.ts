import { z } from 'zod';

/** An approver's decision as sent by the CLI (update) or the Temporal UI / SDK (signal). */
export const ApprovalInput = z.strictObject({
  principal: z.string().trim().min(1).max(128),
  planHash: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex characters (the plan hash)'),
  reason: z.string().max(2000),
});

export const DecisionInput = ApprovalInput.extend({ decision: z.enum(['approve', 'reject']) });

export type ApprovalInput = z.infer<typeof ApprovalInput>;
export type DecisionInput = z.infer<typeof DecisionInput>;
