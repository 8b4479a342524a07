import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ClientCert, RegistryCerts } from './certs';
import { ensureClientCert } from './certs';
import type { RegistryStore } from './store';

/**
 * The registrars this registry knows, and the handout for their clients: `<dataDir>/registrars.json`
 * ({caFile, registrars: [{clID, password, certFile, keyFile}]}, 0600). Passwords come from the
 * stored state when the registrar is known (a login with <newPW> changes them there), else from
 * the configuration, else from an earlier handout, else they are generated (16 characters: EPP
 * passwords are tokens of 6-16 characters).
 */

export interface RegistrarCredentials extends ClientCert {
  readonly clID: string;
  readonly password: string;
}

export interface RegistrarsFile {
  readonly caFile: string;
  readonly registrars: readonly RegistrarCredentials[];
}

export function registrarsFile(dataDir: string): string {
  return path.join(dataDir, 'registrars.json');
}

export function readRegistrarsFile(dataDir: string): RegistrarsFile | undefined {
  const file = registrarsFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RegistrarsFile) : undefined;
}

export async function setUpRegistrars(
  store: RegistryStore,
  certs: RegistryCerts,
  wanted: readonly { clID: string; password?: string }[],
): Promise<RegistrarsFile> {
  const earlier = readRegistrarsFile(store.dataDir);
  for (const { clID, password } of wanted) {
    if (store.state.registrars.some((r) => r.clID === clID)) continue;
    const handed = earlier?.registrars.find((r) => r.clID === clID)?.password;
    store.state.registrars.push({
      clID,
      password: password ?? handed ?? randomBytes(12).toString('base64url'),
    });
  }
  store.save();
  return writeRegistrarsFile(store, certs);
}

/** Rewrites the handout from the stored state (also after a password change). */
export async function writeRegistrarsFile(
  store: RegistryStore,
  certs: RegistryCerts,
): Promise<RegistrarsFile> {
  const registrars: RegistrarCredentials[] = [];
  for (const r of store.state.registrars)
    registrars.push({ clID: r.clID, password: r.password, ...(await ensureClientCert(certs, r.clID)) });
  const handout: RegistrarsFile = { caFile: certs.caFile, registrars };
  writeFileSync(registrarsFile(store.dataDir), `${JSON.stringify(handout, null, 2)}\n`, { mode: 0o600 });
  return handout;
}
