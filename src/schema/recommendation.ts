import { z } from 'zod';
import { Change } from '../kinds/kind-schemas';
import { Environment, isoInstant, text } from './primitives';

/**
 * What an AI system submits. This zod schema is the single source of truth: the client, the CLI
 * and the worker validate with it, and `schemas/recommendation.schema.json` is generated from it.
 * Semantic rules that need more than one field (names inside the zone, record data per type) live
 * in `validate-recommendation.ts`.
 */

export { maxRecordsPerRrset, maxTtl, minTtl, RecordType } from './primitives';

export const RecommendationId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
    'letters, digits, ".", "_", ":" or "-", at most 128, starting with a letter or digit',
  );

export const Source = z.strictObject({
  agent: text(128).describe('Service principal of the AI system; it may propose, never approve.'),
  model: text(128),
  modelVersion: text(64),
  promptTemplate: text(128),
  promptTemplateVersion: text(64),
  onBehalfOf: text(128).optional().describe('Human the agent acts for; they may not approve this change.'),
});

export const EvidenceRef = z.strictObject({
  kind: text(64),
  ref: text(2048),
  summary: text(2000),
  observedAt: isoInstant,
});

export { Environment };

export const Target = z.strictObject({
  tenant: text(128),
  environment: Environment,
  zone: text(254).describe(
    'Zone apex, e.g. example.com. (trailing dot optional); for registrar changes, the registered domain.',
  ),
});

export { Change };

export const Recommendation = z.strictObject({
  id: RecommendationId.describe('Idempotency key: the same id always means the same change.'),
  source: Source,
  confidence: z.number().min(0).max(1),
  rationale: text(4000),
  evidence: z.array(EvidenceRef).max(50),
  target: Target,
  change: Change,
  incidentId: text(128).optional(),
  requestedAt: isoInstant,
});

export type Recommendation = z.infer<typeof Recommendation>;
export type Environment = z.infer<typeof Environment>;
