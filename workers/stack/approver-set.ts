import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ApproverDirectory } from '../../src/approvals/directory';
import type { ApproverKeyFile } from '../../src/client/approver-keys';
import { generateApproverKey } from '../../src/client/approver-keys';
import type { CountersignClient } from '../../src/client/countersign-client';
import type { Verdict } from '../../src/approvals/reducer';

/** The people of the demo, the tests and the benchmark, with the roles the default policy asks for. */
export const samplePeople: readonly { id: string; roles: string[]; scopes?: string[] }[] = [
  { id: 'alice@example.com', roles: ['sre'] },
  { id: 'carol@example.com', roles: ['sre', 'service-owner'] },
  { id: 'dave@example.com', roles: ['service-owner'] },
  { id: 'erin@example.com', roles: ['security', 'dns-admin'] },
  { id: 'bob@example.com', roles: ['sre'] },
  // Registrar changes in production need a DNS admin and a security approver besides an SRE.
  { id: 'frank@example.com', roles: ['dns-admin'] },
  // The on-call rotation may override the staging zones only (freeze, break-glass, exceptions).
  { id: 'oncall-human@example.com', roles: ['sre'], scopes: ['zone:*.example.net.'] },
];

export const sampleServices: readonly string[] = ['aiops-dns-agent', 'countersign-executor'];

export interface ApproverSet {
  readonly directoryPath: string;
  readonly keys: Readonly<Record<string, ApproverKeyFile>>;
  readonly keyPath: (principal: string) => string;
}

/**
 * Generates a key per person (files mode 0600, never committed) and the directory that registers
 * their public keys, in `dir`. Keys are made fresh each time: nothing secret is ever shipped.
 */
export function createApproverSet(
  dir: string,
  people = samplePeople,
  services = sampleServices,
): ApproverSet {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys: Record<string, ApproverKeyFile> = {};
  const keyPath = (principal: string) =>
    path.join(dir, `${principal.replace(/[^A-Za-z0-9._-]/g, '_')}.key.json`);
  const stamp = Date.now().toString(36);
  for (const person of people) {
    const key = generateApproverKey(person.id, `${person.id.split('@')[0] ?? 'key'}-${stamp}`);
    keys[person.id] = key;
    writeFileSync(keyPath(person.id), `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  }
  const directory: ApproverDirectory = {
    version: stamp,
    humans: people.map((p) => ({
      id: p.id,
      roles: p.roles,
      ...(p.scopes === undefined ? {} : { scopes: p.scopes }),
      keys: [
        { id: (keys[p.id] as ApproverKeyFile).keyId, publicKey: (keys[p.id] as ApproverKeyFile).publicKey },
      ],
    })),
    services: [...services],
  };
  const directoryPath = path.join(dir, 'approvers.yaml');
  writeFileSync(directoryPath, stringify(directory));
  return { directoryPath, keys, keyPath };
}

/** Waits until `id` awaits approval, then approves the pending plan as each of `principals` in turn. */
export async function approveAs(
  cs: CountersignClient,
  set: ApproverSet,
  id: string,
  principals: readonly string[],
  reason: string,
): Promise<Verdict[]> {
  const planHash = (await cs.waitForState(id, ['awaiting_approval'])).approval?.planHash ?? '';
  const verdicts: Verdict[] = [];
  for (const principal of principals) {
    const key = set.keys[principal];
    if (key === undefined) throw new Error(`no sample key for ${principal}`);
    verdicts.push((await cs.decide(id, { key, decision: 'approve', reason, planHash })).verdict);
  }
  return verdicts;
}
