import { z } from 'zod';
import { ApprovalInput, DecisionInput } from './approval';
import { Recommendation } from './recommendation';
import { Policy, PolicyFragment } from '../policy/policy-schema';
import { PolicyCaseFile } from '../policy/cases';
import {
  AcquireRequestSchema,
  AdmitRequestSchema,
  BreakGlassRequestSchema,
  EscalateRequestSchema,
  FreezeRequestSchema,
  GrantExceptionSchema,
  HumanAdmitSchema,
  IncidentRequestSchema,
  IncidentWebhookBody,
  ReleaseRequestSchema,
  ReviewBreakGlassSchema,
} from '../governor/protocol';

const base = 'urn:countersign:schema';

/** JSON Schemas generated from the zod schemas, for editors, other languages and reviewers. */
export function publishedSchemas(): Record<string, unknown> {
  const publish = (name: string, schema: z.ZodType, title: string) => ({
    $id: `${base}:${name}`,
    title,
    ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }),
  });
  return {
    recommendation: publish('recommendation', Recommendation, 'countersign recommendation'),
    'approval-signal': publish('approval-signal', ApprovalInput, 'countersign approve/reject signal payload'),
    'decide-update': publish('decide-update', DecisionInput, 'countersign decide update payload'),
    policy: publish('policy', Policy, 'countersign policy file'),
    'policy-fragment': publish(
      'policy-fragment',
      PolicyFragment,
      'countersign policy fragment (extra rules in a policy directory)',
    ),
    'policy-cases': publish('policy-cases', PolicyCaseFile, 'countersign policy test cases'),
    'governor-admit': publish('governor-admit', AdmitRequestSchema, 'countersign governor admit update'),
    'governor-acquire': publish(
      'governor-acquire',
      AcquireRequestSchema,
      'countersign governor acquire update',
    ),
    'governor-release': publish(
      'governor-release',
      ReleaseRequestSchema,
      'countersign governor release update',
    ),
    'governor-escalate': publish(
      'governor-escalate',
      EscalateRequestSchema,
      'countersign governor escalate update',
    ),
    'governor-human-admit': publish(
      'governor-human-admit',
      HumanAdmitSchema,
      'countersign governor humanAdmit update (a signed admission from the review queue)',
    ),
    'governor-freeze': publish('governor-freeze', FreezeRequestSchema, 'countersign freeze update (signed)'),
    'governor-incident': publish(
      'governor-incident',
      IncidentRequestSchema,
      'countersign incident update (signed, or an incident webhook with its HMAC)',
    ),
    'incident-webhook': publish(
      'incident-webhook',
      IncidentWebhookBody,
      "the incident tool's webhook body countersign accepts (HMAC-SHA256 signed)",
    ),
    'governor-break-glass': publish(
      'governor-break-glass',
      BreakGlassRequestSchema,
      'countersign break-glass update (signed)',
    ),
    'governor-break-glass-review': publish(
      'governor-break-glass-review',
      ReviewBreakGlassSchema,
      'countersign break-glass review update (signed by a different operator)',
    ),
    'governor-exception-grant': publish(
      'governor-exception-grant',
      GrantExceptionSchema,
      'countersign exceptions grant update (signed)',
    ),
  };
}
