import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { queryRrset } from '../../activities/dns/query';
import { exampleRecommendation } from '../../src/examples';
import type { Recommendation } from '../../src/schema/recommendation';
import { eventually } from '../helpers/eventually';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';

/**
 * An approver's path through the Temporal UI, in a real Chromium: open the waiting change, read the
 * decision card on the page, send the approve signal through the UI's own dialog. A common laptop
 * screen; screenshots of every step are kept under .data/test-artifacts/temporal-ui.
 */
const viewport = { width: 1366, height: 768 };
const timings = { approvalExpirySeconds: 900, coolingOffSeconds: 2 };

function need(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(
      `${name} is not set: run the browser tests with 'npm test', which starts the UI and finds Chromium`,
    );
  return value;
}

describe('the Temporal UI in a real browser: the decision card and the approve dialog', () => {
  let h: Harness;
  let browser: Browser;
  let ui: string;
  let shots: string;
  before(async () => {
    ui = need('COUNTERSIGN_TEST_TEMPORAL_UI');
    shots = path.join(need('COUNTERSIGN_TEST_ARTIFACTS'), 'temporal-ui');
    mkdirSync(shots, { recursive: true });
    h = await openHarness();
    browser = await chromium.launch({
      executablePath: need('COUNTERSIGN_TEST_CHROMIUM'),
      // Root in a container has no user namespaces for Chromium's sandbox; the page is our own UI on loopback.
      args: ['--no-sandbox'],
    });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  /** The change's page, on the card's tab; returns the frame the card is rendered in. */
  async function openCard(page: Page, workflowId: string): Promise<Frame> {
    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    await page
      .getByRole('link', { name: 'User Metadata' })
      .or(page.getByText('User Metadata'))
      .first()
      .click();
    const frame = page.locator('iframe[title="output"]').last();
    await frame.contentFrame().getByText('What changes').waitFor({ timeout: 30_000 });
    const handle = await frame.elementHandle();
    const content = await handle?.contentFrame();
    assert.ok(content !== null && content !== undefined, 'the card frame has no document');
    return content;
  }

  /** Nothing of the card is cut off: every line ends inside the frame the UI sized for it. */
  async function assertNothingCutOff(page: Page, card: Frame): Promise<void> {
    const frameHeight = await page.evaluate<number>(
      `[...document.querySelectorAll('iframe[title="output"]')].at(-1).clientHeight`,
    );
    // A string, not a function: the test code is type-checked without the DOM's types.
    const [lastTextBottom = Infinity, docHeight] = await card.evaluate<number[]>(`(() => {
      const nodes = [...document.querySelectorAll('main *')].filter((e) => (e.textContent ?? '').trim() !== '');
      return [Math.max(...nodes.map((e) => e.getBoundingClientRect().bottom)), document.documentElement.scrollHeight];
    })()`);
    assert.ok(
      lastTextBottom <= frameHeight,
      `the card's last line ends at ${lastTextBottom}px, below its ${frameHeight}px frame (the document is ${docHeight}px): cut off`,
    );
  }

  /** More Actions → Send a Signal, as an approver does it. */
  async function sendSignal(page: Page, name: string, input: unknown, shot: string): Promise<void> {
    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: 'Send a Signal' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('signal-select-button').click();
    await dialog.getByRole('option', { name, exact: true }).click();
    await dialog.locator('[contenteditable=true][data-language=json]').fill(JSON.stringify(input, null, 2));
    await page.screenshot({ path: path.join(shots, shot) });
    await dialog.getByRole('button', { name: 'Submit' }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  async function submitted(id: string, rec: Recommendation) {
    const cs = h.countersign(id);
    await cs.submit(rec);
    await cs.waitForState(id, ['awaiting_approval']);
    return cs;
  }

  it('tier 2: the card reads well on the page, and an approval sent through the UI counts', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      onBehalfOf: 'bob@example.com',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.44'] },
    });
    await withWorker(h, id, { timings }, async () => {
      const cs = await submitted(id, rec);
      const page = await browser.newPage({ viewport });
      try {
        const card = await openCard(page, `change-${id}`);
        const text = await card.locator('main').innerText();
        for (const fact of [
          /^Waiting for 1 more approval \(1 sre\) by \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m,
          new RegExp(`^\\+ api\\.${zone.replace(/\./g, '\\.')} 300 A 192\\.0\\.2\\.44$`, 'm'),
          /^Risk tier 2 \(one approval\) under policy /m,
          /^Production changes need a human approval, however confident the AI is\.$/m,
          /^Who decides 1 different person: 1 sre$/m,
          /^May not approve aiops-dns-agent .*bob@example\.com/m,
          /name approve \(or reject\), with this input; it counts for this change/,
        ])
          assert.match(text, fact);
        await assertNothingCutOff(page, card);
        await page.screenshot({ path: path.join(shots, 'tier2-card.png') });
        const cardEnd = page
          .locator('iframe[title="output"]')
          .last()
          .contentFrame()
          .locator('main > *')
          .last();
        await cardEnd.scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(shots, 'tier2-card-end.png') });

        // The plan hash an approver copies from the card, as the card shows it.
        const planHash = /"planHash":\s*"([0-9a-f]{64})"/.exec(text)?.[1];
        assert.equal(planHash, (await cs.status(id)).approval?.planHash);
        await sendSignal(
          page,
          'approve',
          { principal: 'alice@example.com', planHash, reason: 'checked the new address in the UI' },
          'tier2-signal-dialog.png',
        );
        const closed = await cs.waitForState(id, ['executed', 'rolled_back', 'failed']);
        assert.equal(closed.state, 'executed');
        assert.deepEqual(
          closed.approval?.state.approvals.map((a) => [a.principal, a.channel]),
          [['alice@example.com', 'ui']],
        );
        assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.44']);

        const after = await openCard(page, `change-${id}`);
        const closedText = await after.locator('main').innerText();
        assert.match(closedText, /^Executed: /m);
        assert.match(
          closedText,
          /approved by alice@example\.com \(Temporal UI\): checked the new address in the UI/,
        );
        assert.doesNotMatch(closedText, /To decide/);
        await assertNothingCutOff(page, after);
        await page.screenshot({ path: path.join(shots, 'tier2-executed.png') });
      } finally {
        await page.close();
      }
    });
  });

  it('tier 3: the card says the UI does not count, an approval sent there is refused and recorded, a veto counts', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: zone, type: 'MX', ttl: 3600, records: [`5 mx7.${zone}`] },
    });
    await withWorker(h, id, { timings }, async () => {
      const cs = await submitted(id, rec);
      const page = await browser.newPage({ viewport });
      try {
        const card = await openCard(page, `change-${id}`);
        const text = await card.locator('main').innerText();
        assert.match(text, /^Waiting for 2 more approvals \(1 sre \+ 1 service-owner\) by /m);
        assert.match(text, /^Risk tier 3 \(dual control and cooling-off delay\)/m);
        assert.match(text, /an approval sent here does not count for this change \(it needs a signed one\)/);
        await assertNothingCutOff(page, card);
        await page.screenshot({ path: path.join(shots, 'tier3-card.png') });

        const planHash = /"planHash":\s*"([0-9a-f]{64})"/.exec(text)?.[1];
        assert.ok(planHash !== undefined, 'the card shows the plan hash to paste');
        await sendSignal(
          page,
          'approve',
          { principal: 'alice@example.com', planHash, reason: 'looks fine from here' },
          'tier3-signal-dialog.png',
        );
        await eventually(async () => {
          const { entries } = await cs.evidence(id);
          const refused = entries
            .filter((e) => e.step === 'approve_refused')
            .map((e) => ({ actor: e.actor, ...(e.data as { channel: string; code: string }) }));
          assert.deepEqual(
            refused.map((r) => [r.actor, r.channel, r.code]),
            [['alice@example.com', 'ui', 'channel_not_accepted']],
          );
        });
        const waiting = await cs.status(id);
        assert.equal(waiting.state, 'awaiting_approval');
        assert.equal(waiting.approval?.state.approvals.length, 0, 'the UI approval was not counted');

        await sendSignal(
          page,
          'reject',
          { principal: 'dave@example.com', planHash, reason: 'not during the migration' },
          'tier3-veto-dialog.png',
        );
        const closed = await cs.waitForState(id, ['rejected']);
        assert.equal(closed.approval?.state.rejection?.channel, 'ui');
        const after = await openCard(page, `change-${id}`);
        assert.match(await after.locator('main').innerText(), /^Rejected: /m);
        await page.screenshot({ path: path.join(shots, 'tier3-rejected.png') });
      } finally {
        await page.close();
      }
    });
  });
});
