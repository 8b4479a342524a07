import { z } from 'zod';

/**
 * The approver directory: the humans who may decide, their roles and public keys, and the service
 * principals (AI agents, the executor) that may never approve. A configuration file, reloaded at
 * every verification, so removing or demoting someone takes effect for changes already waiting.
 */
const principalId = z.string().trim().min(1).max(128);
const roleId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'lowercase letters, digits, ".", "_" or "-"');

export const ApproverKey = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,80}$/, 'letters, digits, ".", "_", ":" or "-"'),
  /** Raw 32-byte ed25519 public key, base64, as `countersign keygen` prints it. */
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 ed25519 public key (44 characters)'),
});

export const Human = z.strictObject({
  id: principalId,
  roles: z.array(roleId).min(1),
  keys: z.array(ApproverKey).min(1),
  scopes: z
    .array(z.string().regex(/^(global|zone:.+|tenant:.+)$/, 'global, zone:<glob> or tenant:<glob>'))
    .min(1)
    .optional()
    .describe(
      'Scopes this person may freeze, break the glass on or grant exceptions for; unset: every scope.',
    ),
});

export const ApproverDirectory = z
  .strictObject({
    version: z.string().min(1).max(64),
    humans: z.array(Human),
    services: z
      .array(principalId)
      .describe('Service principals: they may propose or execute, never approve.'),
  })
  .superRefine((dir, ctx) => {
    const ids = new Map<string, number>();
    const keys = new Map<string, string>();
    dir.humans.forEach((human, i) => {
      const id = human.id.toLowerCase();
      if (ids.has(id))
        ctx.addIssue({
          code: 'custom',
          path: ['humans', i, 'id'],
          message: `duplicate principal ${human.id}`,
        });
      ids.set(id, i);
      human.keys.forEach((key, j) => {
        const owner = keys.get(key.id);
        if (owner !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['humans', i, 'keys', j, 'id'],
            message: `key id ${key.id} already belongs to ${owner}`,
          });
        keys.set(key.id, human.id);
      });
    });
    dir.services.forEach((service, i) => {
      if (ids.has(service.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: ['services', i],
          message: `${service} is listed as both a human and a service principal`,
        });
    });
  });

export type ApproverDirectory = z.infer<typeof ApproverDirectory>;
export type Human = z.infer<typeof Human>;

/** Who a principal is, according to the directory. */
export type Identity =
  | { readonly kind: 'human'; readonly id: string; readonly roles: readonly string[] }
  | { readonly kind: 'service'; readonly id: string }
  | { readonly kind: 'unknown'; readonly id: string };

export function identify(directory: ApproverDirectory, principal: string): Identity {
  const wanted = principal.trim().toLowerCase();
  const human = directory.humans.find((h) => h.id.toLowerCase() === wanted);
  if (human !== undefined) return { kind: 'human', id: human.id, roles: human.roles };
  if (directory.services.some((s) => s.toLowerCase() === wanted))
    return { kind: 'service', id: principal.trim() };
  return { kind: 'unknown', id: principal.trim() };
}
