import type { Logger } from 'pino';
import type { RegistryConfig } from '../../activities/epp/registry-connection';
import { registrySession } from '../../activities/epp/registry-connection';
import * as epp from '../../activities/epp/epp-xml';

/**
 * Registers a domain at the registry as the worker's registrar would (contact, external
 * nameserver hosts, the domain, its locks): the demo's and the recordings' starting point.
 */
export async function registerDomain(
  config: RegistryConfig,
  domain: { name: string; nameservers: readonly string[]; locks: readonly string[] },
  logger: Logger,
): Promise<void> {
  const session = registrySession(config, logger);
  let n = 0;
  const send = async (label: string, xml: (clTRID: string) => string, allowed = [1000]) => {
    const answer = await session.send(xml(`CS-seed-${(n += 1)}`), label);
    const code = answer.results[0]?.code ?? 0;
    if (!allowed.includes(code))
      throw new Error(`${label}: the registry answered ${code} ${answer.results[0]?.message ?? ''}`);
  };
  const owner = `own-${domain.name.split('.')[0]?.slice(-8) ?? 'x'}`;
  try {
    await send(
      'contact:create',
      (id) =>
        epp.contactCreate(
          {
            id: owner,
            name: 'Shop Owner',
            org: 'Example Shop',
            city: 'Utrecht',
            cc: 'NL',
            email: 'dns@shop.example',
            voice: '+31.301234567',
          },
          `contact-${owner}`,
          id,
        ),
      [1000, 2302],
    );
    for (const host of domain.nameservers)
      await send('host:create', (id) => epp.hostCreate(host, id), [1000, 2302]);
    await send('domain:create', (id) =>
      epp.domainCreate(
        { name: domain.name, nameservers: domain.nameservers, registrant: owner, admin: owner, tech: owner },
        `auth-${Math.random().toString(36).slice(2, 12)}`,
        id,
      ),
    );
    if (domain.locks.length > 0)
      await send('domain:update', (id) =>
        epp.domainUpdate(domain.name, { add: { statuses: [...domain.locks] } }, id),
      );
  } finally {
    await session.close();
  }
}
