import type { ChangeState } from '../../src/change/states';
import type { ChangeView } from '../../src/change/view';
import type { EvidenceEntry, EvidenceInput } from '../../src/evidence/chain';
import { appendEvidence } from '../../src/evidence/chain';
import { exampleRecommendation } from '../../src/examples';
import type { Decision, Tier } from '../../src/policy/decision';
import { routeOf } from '../../src/policy/decision';

/** Test data for the audit modules: a change's view and evidence, built step by step. */
export function decision(tier: Tier, rules: string[] = ['env.production']): Decision {
  return {
    policyVersion: 'v7',
    policyHash: 'ab'.repeat(32),
    tier,
    route: routeOf(tier),
    approvals: { count: tier === 3 ? 2 : tier === 2 ? 1 : 0, roles: [] },
    coolingOffSeconds: 0,
    approvalExpirySeconds: 3600,
    onExpiry: 'reject',
    executionWindowSeconds: 600,
    escalation: [],
    notify: false,
    reasons: rules.map((rule) => ({ rule, path: 'target', value: 'x', message: rule })),
  };
}

export type Step = [at: string, step: string, actor?: string, data?: unknown, summary?: string];

export function evidenceOf(steps: readonly Step[]): EvidenceEntry[] {
  const chain: EvidenceEntry[] = [];
  for (const [at, step, actor, data, summary] of steps) {
    const input: EvidenceInput = {
      stream: 'decision',
      step,
      actor: actor ?? 'countersign',
      summary: summary ?? step,
      ...(data === undefined ? {} : { data }),
    };
    chain.push(appendEvidence(chain, input, new Date(at)));
  }
  return chain;
}

export function viewOf(options: {
  id: string;
  state: ChangeState;
  tier?: Tier | null;
  zone?: string;
  name?: string;
  tenant?: string;
  modelVersion?: string;
  incidentId?: string;
  outcome?: { code: string; message: string } | null;
  marks?: string[];
  breakGlass?: { id: string; holder: string } | null;
}): ChangeView {
  const zone = options.zone ?? 'example.com.';
  const rec = exampleRecommendation({
    id: options.id,
    zone,
    environment: 'production',
    onBehalfOf: 'bob@example.com',
    ...(options.incidentId === undefined ? {} : { incidentId: options.incidentId }),
    change: {
      kind: 'dns.upsert_rrset',
      name: options.name ?? `api.${zone}`,
      type: 'A',
      ttl: 300,
      records: ['192.0.2.1'],
    },
  });
  const tier = options.tier === undefined ? 2 : options.tier;
  return {
    workflowId: `change-${options.id}`,
    recommendation: {
      ...rec,
      target: { ...rec.target, tenant: options.tenant ?? 'acme' },
      source: { ...rec.source, modelVersion: options.modelVersion ?? rec.source.modelVersion },
    },
    state: options.state,
    decision: tier === null ? null : decision(tier),
    plan: null,
    approval: null,
    coolingOffUntil: null,
    outcome:
      options.outcome === undefined ? { code: options.state, message: options.state } : options.outcome,
    evidenceHead: 'f'.repeat(64),
    evidenceLength: 3,
    overrides: {
      active: { freezes: [], breakGlass: [], exceptions: [] },
      breakGlass:
        options.breakGlass === undefined || options.breakGlass === null
          ? null
          : {
              ...options.breakGlass,
              scope: 'zone:example.com.',
              reason: 'outage',
              incident: null,
              expiresAt: '2026-11-20T12:00:00.000Z',
            },
      marks: options.marks ?? [],
    },
  };
}
