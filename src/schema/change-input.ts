import { z } from 'zod';

const text = z.string().max(4096);

/**
 * The least a workflow input must be before the change workflow touches it: the fields it shows
 * (decision card, search attributes, the first evidence entry) before the validate activity runs
 * the full recommendation schema, as strings and numbers. Anything else, sent by a client that
 * skipped the SDK, would otherwise throw inside the workflow task; it fails the workflow at once,
 * with the reason, instead.
 *
 * Loose on purpose: every input the SDK ever started passes it, so recorded histories replay
 * unchanged, and a stricter recommendation schema later cannot reach back into running changes.
 */
export const ChangeInputEnvelope = z.looseObject({
  recommendation: z.looseObject({
    id: text,
    confidence: z.number(),
    rationale: text.optional(),
    incidentId: text.optional(),
    source: z.looseObject({
      agent: text,
      model: text.optional(),
      modelVersion: text.optional(),
      promptTemplate: text.optional(),
      promptTemplateVersion: text.optional(),
      onBehalfOf: text.optional(),
    }),
    target: z.looseObject({ tenant: text.optional(), environment: text, zone: text }),
    // Registrar changes name no owner: the domain is the target zone.
    change: z.looseObject({ kind: text, name: text.optional(), type: text.optional() }),
  }),
  maxRestages: z.number().int().min(0).max(100).optional(),
});

/** Generous: a recommendation with many evidence references still fits; the server's limit is 2 MiB. */
export const maxChangeInputBytes = 256 * 1024;
