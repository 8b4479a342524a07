import { z } from 'zod';
import { recordTypeNames } from '../dns/record-types';

/**
 * zod building blocks shared by the recommendation, the policy, the exceptions and every change
 * kind's schema. Kept apart from those schemas on purpose: the workflow code builds every schema its
 * modules import once for each workflow it runs, so a module there that needs one block should not
 * pull in the policy or the recommendation with it.
 */

export const text = (max: number) => z.string().trim().min(1).max(max);
export const isoInstant = z.iso.datetime({ offset: true });

export const minTtl = 30;
export const maxTtl = 604800;
export const maxRecordsPerRrset = 100;

export const RecordType = z.enum(recordTypeNames);

/** A domain or host name as written by a caller; `validate-recommendation` checks it label by label. */
export const DomainName = text(254).describe('An absolute domain name (trailing dot optional).');

export const Environment = z.enum(['production', 'staging', 'development']);

export const Tier = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal('blocked')], {
  error: 'a tier: 0, 1, 2, 3 or "blocked"',
});
