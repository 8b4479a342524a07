import { z } from 'zod';
import { maxRecordsPerRrset, maxTtl, minTtl, RecordType, DomainName, text } from '../schema/primitives';
import { contactRoles, lockStatuses } from './registrar-domain';

/**
 * What each change kind accepts, and `Change`, the union the recommendation schema validates. Kept
 * apart from the kinds' behaviour (their planning, naming and rollback, one module per kind): the
 * workflow code needs the behaviour, and it builds every schema its modules import once for each
 * workflow it runs, while a change's input is validated by an activity.
 */

export const UpsertRrset = z.strictObject({
  kind: z.literal('dns.upsert_rrset'),
  name: text(254).describe('Owner name inside the target zone, absolute (trailing dot optional).'),
  type: RecordType,
  ttl: z.number().int().min(minTtl).max(maxTtl),
  records: z
    .array(z.string().min(1).max(4096))
    .min(1)
    .max(maxRecordsPerRrset)
    .describe('Record data in presentation format; TXT may be plain text.'),
});
export type UpsertRrset = z.infer<typeof UpsertRrset>;

export const DeleteRrset = z.strictObject({
  kind: z.literal('dns.delete_rrset'),
  name: text(254),
  type: RecordType,
});
export type DeleteRrset = z.infer<typeof DeleteRrset>;

export const SetNameservers = z.strictObject({
  kind: z.literal('registrar.set_nameservers'),
  nameservers: z
    .array(DomainName)
    .min(2)
    .max(13)
    .describe('The delegation the registry publishes for the domain: these hosts, exactly.'),
  glue: z
    .record(DomainName, z.array(z.string().min(1).max(64)).min(1).max(8))
    .optional()
    .describe(
      'Addresses (IPv4, IPv6) of the nameservers inside the domain itself, which the parent must publish as glue; only for those.',
    ),
});
export type SetNameservers = z.infer<typeof SetNameservers>;

export const LockStatus = z.enum(lockStatuses);
export type LockStatus = z.infer<typeof LockStatus>;

export const SetLock = z.strictObject({
  kind: z.literal('registrar.set_lock'),
  locked: z.boolean().describe('true sets the statuses, false removes them.'),
  statuses: z
    .array(LockStatus)
    .min(1)
    .max(3)
    .optional()
    .describe('Which client prohibitions; all three (transfer, update, delete) when omitted.'),
});
export type SetLock = z.infer<typeof SetLock>;

export const AddDs = z.strictObject({
  kind: z.literal('registrar.add_ds'),
  ds: z
    .array(z.string().min(1).max(512))
    .min(1)
    .max(8)
    .describe(
      'DS records in presentation format ("keytag algorithm digesttype digest"); each must match a DNSKEY the domain publishes.',
    ),
});
export type AddDs = z.infer<typeof AddDs>;

export const RemoveDs = z.strictObject({
  kind: z.literal('registrar.remove_ds'),
  ds: z
    .union([z.array(z.string().min(1).max(512)).min(1).max(8), z.literal('all')])
    .describe('The DS records to remove, or "all" to make the delegation unsigned.'),
});
export type RemoveDs = z.infer<typeof RemoveDs>;

export const SecretRef = z.strictObject({
  secretRef: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/-]{0,127}$/, 'a secret name: lowercase letters, digits, ".", "_", "/" or "-"')
    .describe(
      "Name of the secret in the worker's secret store; the secret itself never travels in a change.",
    ),
});

export const Transfer = z.strictObject({
  kind: z.literal('registrar.transfer'),
  action: z
    .enum(['request', 'approve', 'reject'])
    .describe(
      'request: move the domain to this registrar; approve / reject: answer a pending outgoing transfer.',
    ),
  authCode: SecretRef.optional().describe('For request: the auth code (authInfo), by reference.'),
});
export type Transfer = z.infer<typeof Transfer>;

/** A registry object id (contacts): 3-16 characters, RFC 5730 clIDType. */
export const ContactId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,15}$/, '3 to 16 letters, digits, ".", "_" or "-"');

export const UpdateContacts = z
  .strictObject({
    kind: z.literal('registrar.update_contacts'),
    registrant: ContactId.optional(),
    admin: z.array(ContactId).min(1).max(4).optional(),
    tech: z.array(ContactId).min(1).max(4).optional(),
    billing: z.array(ContactId).min(1).max(4).optional(),
  })
  .refine((c) => contactRoles.some((role) => c[role] !== undefined), {
    message: 'name at least one of registrant, admin, tech, billing',
  });
export type UpdateContacts = z.infer<typeof UpdateContacts>;

/** Every change kind that can be submitted; the action catalog describes them for the policy. */
export const Change = z.discriminatedUnion('kind', [
  UpsertRrset,
  DeleteRrset,
  SetNameservers,
  SetLock,
  AddDs,
  RemoveDs,
  Transfer,
  UpdateContacts,
]);
export type Change = z.infer<typeof Change>;
