import { createHmac, timingSafeEqual } from 'node:crypto';
import { admitMessage } from '../../src/payloads/message-intake';
import type { IncidentWebhookBody } from '../../src/governor/protocol';
import { IncidentWebhookBody as BodySchema } from '../../src/governor/protocol';

/** A webhook older than this (or this far in the future) is refused: a captured body cannot be replayed later. */
export const webhookFreshnessMs = 5 * 60_000;

export function signIncidentWebhook(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * An incident tool's webhook: the body is HMAC-SHA256 signed with a secret shared with the worker
 * (COUNTERSIGN_INCIDENT_WEBHOOK_SECRET), recent, and well-formed. Fails closed without a secret.
 */
export function verifyIncidentWebhook(
  body: string,
  signature: string,
  secret: string | undefined,
  now: number,
): { ok: true; body: IncidentWebhookBody } | { ok: false; message: string } {
  if (secret === undefined || secret === '')
    return {
      ok: false,
      message:
        'no incident webhook secret is configured on the worker (COUNTERSIGN_INCIDENT_WEBHOOK_SECRET); webhooks are refused',
    };
  const expected = Buffer.from(signIncidentWebhook(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, message: 'the webhook signature does not match its body' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, message: 'the webhook body is not JSON' };
  }
  const admitted = admitMessage(parsed, BodySchema);
  if (!admitted.ok) return { ok: false, message: `the webhook body is refused: ${admitted.refusal.message}` };
  const sentAt = Date.parse(admitted.value.sentAt);
  if (Math.abs(now - sentAt) > webhookFreshnessMs)
    return {
      ok: false,
      message: `the webhook was sent at ${admitted.value.sentAt}, more than 5 minutes from now; refused as a possible replay`,
    };
  return { ok: true, body: admitted.value };
}
