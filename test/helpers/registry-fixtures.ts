import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { RegistryConnection } from '../../activities/epp/registry-connection';
import { connectRegistry } from '../../activities/epp/registry-connection';
import { quietLogger, testEnv } from './env';
import type { DsSpec, RegistryUnderTest } from './epp-registry';
import {
  contactCreateFrame,
  domainCreateFrame,
  domainUpdateFrame,
  hostCreateFrame,
  openSession,
  pollFrame,
  registrar,
} from './epp-registry';

/** The registrar countersign acts as, and the other one that sponsors or requests domains in tests. */
export const us = 'countersign';
export const them = 'other-registrar';

/** The registry adapter a test worker uses: countersign's credentials, parent-zone checks on the test PowerDNS. */
export function registryAdapter(registry: RegistryUnderTest, secretsDir?: string): RegistryConnection {
  const creds = registrar(registry, us);
  return connectRegistry(
    {
      host: registry.host,
      port: registry.port,
      clID: us,
      password: creds.password,
      caFile: registry.caFile,
      certFile: creds.certFile,
      keyFile: creds.keyFile,
      parentServers: [testEnv().dns],
      ...(secretsDir === undefined ? {} : { secretsDir }),
    },
    quietLogger,
  );
}

/** A secret store folder for one test with one secret in it. */
export function secretsWith(name: string, ref: string, value: string): string {
  const dir = path.join(testEnv().dataDir, `secrets-${name}`);
  mkdirSync(path.dirname(path.join(dir, ref)), { recursive: true });
  writeFileSync(path.join(dir, ref), `${value}\n`, { mode: 0o600 });
  return dir;
}

/** Takes every queued poll message of `clID`, as the registrar's message handling would. */
export async function drainPoll(registry: RegistryUnderTest, clID: string): Promise<number> {
  const session = await openSession(registry, clID);
  let taken = 0;
  try {
    for (;;) {
      const polled = await session.command(pollFrame('req'));
      if (polled.code !== 1301) return taken;
      const id = /msgQ[^>]*id="([^"]+)"/.exec(polled.xml)?.[1];
      if (id === undefined) throw new Error(`poll answered 1301 without a message id: ${polled.xml}`);
      await session.command(pollFrame('ack', id));
      taken += 1;
    }
  } finally {
    await session.close();
  }
}

export interface SeededDomain {
  readonly name: string;
  readonly sponsor: string;
  readonly authInfo: string;
}

/**
 * Registers a domain through EPP as `sponsor` would: contacts, external nameserver hosts, the
 * domain, DS and locks. Names are EPP names (no root dot).
 */
export async function seedDomain(
  registry: RegistryUnderTest,
  spec: {
    name: string;
    ns: readonly string[];
    sponsor?: string;
    locks?: readonly string[];
    ds?: readonly DsSpec[];
    authInfo?: string;
  },
): Promise<SeededDomain> {
  const sponsor = spec.sponsor ?? us;
  const authInfo = spec.authInfo ?? `Auth-${Math.random().toString(36).slice(2, 10)}`;
  const session = await openSession(registry, sponsor);
  const label = spec.name.split('.')[0] ?? 'x';
  const owner = `o${label.replace(/[^a-z0-9]/g, '').slice(0, 12)}`;
  try {
    const expectOk = async (what: string, frame: string, allowed: number[] = [1000]) => {
      const answer = await session.command(frame);
      if (!allowed.includes(answer.code))
        throw new Error(`${what} answered ${answer.code}: ${answer.reason ?? ''}`);
    };
    await expectOk('contact:create', contactCreateFrame(owner, 'contact-Pw-1'), [1000, 2302]);
    for (const host of spec.ns) await expectOk(`host:create ${host}`, hostCreateFrame(host), [1000, 2302]);
    await expectOk(
      'domain:create',
      domainCreateFrame({
        name: spec.name,
        ns: spec.ns,
        registrant: owner,
        contacts: [
          { type: 'admin', id: owner },
          { type: 'tech', id: owner },
        ],
        authInfo,
        ...(spec.ds === undefined ? {} : { ds: spec.ds }),
      }),
    );
    if (spec.locks !== undefined && spec.locks.length > 0)
      await expectOk('domain:update (locks)', domainUpdateFrame({ name: spec.name, addStatus: spec.locks }));
  } finally {
    await session.close();
  }
  return { name: spec.name, sponsor, authInfo };
}
