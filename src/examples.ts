import type { Change, Environment, Recommendation } from './schema/recommendation';

/**
 * A complete, valid recommendation to start from: the demo, the docs and the tests build their
 * cases from it by overriding what matters to them.
 */
export function exampleRecommendation(options: {
  id: string;
  zone: string;
  environment: Environment;
  change: Change;
  confidence?: number;
  onBehalfOf?: string;
  rationale?: string;
  incidentId?: string;
}): Recommendation {
  return {
    id: options.id,
    source: {
      agent: 'aiops-dns-agent',
      model: 'ops-llm',
      modelVersion: '2026-10',
      promptTemplate: 'dns-remediation',
      promptTemplateVersion: '3',
      ...(options.onBehalfOf === undefined ? {} : { onBehalfOf: options.onBehalfOf }),
    },
    confidence: options.confidence ?? 0.95,
    rationale:
      options.rationale ??
      'Health checks show the old address unreachable; the new pool passed checks for 30 minutes.',
    evidence: [
      {
        kind: 'metric',
        ref: 'prometheus://probe_success{target="www"}',
        summary: 'probe success 0% on old address for 12 min',
        observedAt: '2026-11-20T10:00:00Z',
      },
    ],
    target: { tenant: 'acme', environment: options.environment, zone: options.zone },
    change: options.change,
    ...(options.incidentId === undefined ? {} : { incidentId: options.incidentId }),
    requestedAt: '2026-11-20T10:05:00Z',
  };
}
