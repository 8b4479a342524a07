import { z } from 'zod';
import { recordTypeNames } from '../dns/record-types';
import { knownKinds } from '../policy/catalog';
import type { Tier } from '../policy/decision';
import { Environment, Tier as TierSchema } from '../schema/primitives';

/**
 * An exception: a time-bound, owner-bound, purpose-bound change to what the policy decides, for
 * one scope (the governor that keeps it) and the changes its match selects. Tightening takes one
 * signed approver; loosening takes two different ones (dual control).
 */
export const exceptionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, ".", "_" or "-" (at most 64)');

export const ExceptionMatch = z
  .strictObject({
    kinds: z
      .array(z.enum(knownKinds as [string, ...string[]]))
      .min(1)
      .optional(),
    names: z
      .array(z.string().min(1).max(254))
      .min(1)
      .max(20)
      .optional()
      .describe('Globs on the absolute owner name; "*" spans labels.'),
    types: z.array(z.enum(recordTypeNames)).min(1).optional(),
    environments: z.array(Environment).min(1).optional(),
    ttlOnly: z.boolean().optional().describe('True: only changes that alter nothing but the TTL.'),
  })
  .describe('Every condition given must hold; none given: every change in the scope.');

export const ExceptionEffect = z.strictObject({
  direction: z.enum(['tighten', 'loosen']),
  tier: TierSchema,
});

export const ExceptionSpec = z.strictObject({
  id: exceptionId,
  owner: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .describe('The principal answerable for it; reminded to review it.'),
  justification: z.string().trim().min(1).max(2000),
  match: ExceptionMatch,
  effect: ExceptionEffect,
  expiresAt: z.iso.datetime({ offset: true }),
  incident: z.string().min(1).max(128).optional(),
  change: z.string().min(1).max(256).optional(),
});

export type ExceptionMatch = z.infer<typeof ExceptionMatch>;
export type ExceptionEffect = z.infer<typeof ExceptionEffect>;
export type ExceptionSpec = z.infer<typeof ExceptionSpec>;

/** An exception in force, as policy evaluation sees it. */
export interface ActiveException {
  readonly id: string;
  /** `zone:example.com.`, `tenant:acme` or `global`. */
  readonly scope: string;
  readonly owner: string;
  readonly justification: string;
  readonly match: ExceptionMatch;
  readonly effect: { readonly direction: 'tighten' | 'loosen'; readonly tier: Tier };
  readonly approvedBy: readonly string[];
  readonly expiresAt: string;
  readonly incident?: string;
  readonly change?: string;
}

export { describeEffect } from './describe-effect';

/** `tighten:3`, `loosen:0`, `tighten:blocked`, as typed on the command line. */
export function parseEffect(text: string): ExceptionEffect | { error: string } {
  const match = /^(tighten|loosen):(0|1|2|3|blocked)$/.exec(text.trim());
  if (match === null)
    return {
      error: `"${text}" is not an effect: expected tighten:<tier> or loosen:<tier>, tier 0, 1, 2, 3 or blocked`,
    };
  const tier = match[2] === 'blocked' ? 'blocked' : (Number(match[2]) as 0 | 1 | 2 | 3);
  return { direction: match[1] as 'tighten' | 'loosen', tier };
}
