import type { ChangeState } from '../../src/change/states';
import { exampleRecommendation } from '../../src/examples';
import type { Recommendation } from '../../src/schema/recommendation';

export interface DemoSample {
  readonly title: string;
  readonly recommendation: Recommendation;
  /** States this sample is expected to reach (and stay in) on the default policy. */
  readonly expect: readonly ChangeState[];
}

/** Sample recommendations covering the routes: automatic, one approval, dual control, blocked. */
export function demoSamples(run: string): DemoSample[] {
  const staging = 'staging.example.net.';
  const prod = 'example.com.';
  const id = (name: string) => `demo-${run}-${name}`;
  return [
    {
      title: 'staging www A, high confidence: automatic',
      expect: ['executed'],
      recommendation: exampleRecommendation({
        id: id('staging-www'),
        zone: staging,
        environment: 'staging',
        confidence: 0.97,
        change: {
          kind: 'dns.upsert_rrset',
          name: `www.${staging}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.110', '192.0.2.111'],
        },
      }),
    },
    {
      title: 'staging verification TXT: automatic',
      expect: ['executed'],
      recommendation: exampleRecommendation({
        id: id('staging-txt'),
        zone: staging,
        environment: 'staging',
        confidence: 0.93,
        rationale: 'Domain verification token requested by the CDN.',
        change: {
          kind: 'dns.upsert_rrset',
          name: `_cdn-verify.${staging}`,
          type: 'TXT',
          ttl: 300,
          records: ['cdn-verification=4f2a9c'],
        },
      }),
    },
    {
      title: 'production api A: one approval',
      expect: ['awaiting_approval'],
      recommendation: exampleRecommendation({
        id: id('prod-api'),
        zone: prod,
        environment: 'production',
        confidence: 0.96,
        onBehalfOf: 'oncall-human@example.com',
        incidentId: 'INC-4711',
        change: {
          kind: 'dns.upsert_rrset',
          name: `api.${prod}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.21'],
        },
      }),
    },
    {
      title: 'production apex MX: dual control + cooling-off',
      expect: ['awaiting_approval'],
      recommendation: exampleRecommendation({
        id: id('prod-mx'),
        zone: prod,
        environment: 'production',
        confidence: 0.91,
        rationale: 'mx2 has been refusing connections; move it behind mx3.',
        change: {
          kind: 'dns.upsert_rrset',
          name: prod,
          type: 'MX',
          ttl: 3600,
          records: ['10 mx1.example.com.', '30 mx2.example.com.'],
        },
      }),
    },
    {
      title: 'production A, low confidence: blocked',
      expect: ['blocked'],
      recommendation: exampleRecommendation({
        id: id('prod-lowconf'),
        zone: prod,
        environment: 'production',
        confidence: 0.42,
        change: {
          kind: 'dns.upsert_rrset',
          name: `www.${prod}`,
          type: 'A',
          ttl: 300,
          records: ['203.0.113.9'],
        },
      }),
    },
    {
      title: 'delete the apex NS set: never allowed',
      expect: ['blocked'],
      recommendation: exampleRecommendation({
        id: id('prod-ns-delete'),
        zone: prod,
        environment: 'production',
        confidence: 0.99,
        change: { kind: 'dns.delete_rrset', name: prod, type: 'NS' },
      }),
    },
  ];
}
