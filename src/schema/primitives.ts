import { z } from 'zod';
import { recordTypeNames } from '../dns/record-types';

/** zod building blocks shared by the recommendation and every change kind's schema. */

export const text = (max: number) => z.string().trim().min(1).max(max);
export const isoInstant = z.iso.datetime({ offset: true });

export const minTtl = 30;
export const maxTtl = 604800;
export const maxRecordsPerRrset = 100;

export const RecordType = z.enum(recordTypeNames);

/** A domain or host name as written by a caller; `validate-recommendation` checks it label by label. */
export const DomainName = text(254).describe('An absolute domain name (trailing dot optional).');
