import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { RecommendationConflictError, workflowIdFor } from '../../src/client/countersign-client';
import { exampleRecommendation } from '../../src/examples';
import { RecommendationValidationError } from '../../src/schema/validate-recommendation';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';

describe('submission (real Temporal)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('the same id and content returns the same workflow; other content under the id is refused', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: `API.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.55'] },
    });
    await withWorker(h, id, {}, async () => {
      const first = await cs.submit(rec);
      assert.equal(first.created, true);
      // Same meaning, other spelling: still the same recommendation.
      const again = await cs.submit({ ...rec, change: { ...rec.change, name: `api.${zone}` } });
      assert.equal(again.created, false);
      assert.equal(again.workflowId, first.workflowId);
      assert.equal((await again.handle.describe()).runId, (await first.handle.describe()).runId);
      await assert.rejects(
        cs.submit({ ...rec, confidence: 0.5 }),
        (err: unknown) => err instanceof RecommendationConflictError && err.recommendationId === id,
      );
      await first.handle.terminate('test done');
    });
  });

  it('invalid input is refused before any workflow starts', async (t) => {
    const id = slug(t);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone: 'example.com.',
      environment: 'staging',
      change: {
        kind: 'dns.upsert_rrset',
        name: 'www.example.org.',
        type: 'A',
        ttl: 300,
        records: ['01.2.3.4'],
      },
    });
    await assert.rejects(cs.submit(rec), (err: unknown) => {
      assert.ok(err instanceof RecommendationValidationError);
      assert.deepEqual(
        err.issues.map((i) => i.path),
        ['change.name', 'change.records[0]'],
      );
      return true;
    });
    await assert.rejects(h.client.workflow.getHandle(workflowIdFor(id)).describe(), WorkflowNotFoundError);
  });
});
