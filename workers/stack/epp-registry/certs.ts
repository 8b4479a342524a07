import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The registry's certificates, made with the openssl command line into `<dataDir>/certs/` and
 * reused when present: a CA, a server certificate for localhost (SAN DNS:localhost,
 * IP:127.0.0.1, IP:::1), and one client certificate per registrar with CN = its clID, which login
 * checks (RFC 5734 §9: mutual TLS). EC P-256 keys; private keys are written 0600.
 */

export interface RegistryCerts {
  readonly dir: string;
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
}

export interface ClientCert {
  readonly certFile: string;
  readonly keyFile: string;
}

const days = '3650';

async function newKey(file: string): Promise<void> {
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

function serial(): string {
  return `0x${randomBytes(16).toString('hex')}`;
}

/** Signs a certificate for `cn` with the CA, with the given X.509v3 extensions. */
async function issue(
  dir: string,
  certs: RegistryCerts,
  cn: string,
  base: string,
  extensions: string,
): Promise<void> {
  const key = path.join(dir, `${base}.key`);
  const csr = path.join(dir, `${base}.csr`);
  const ext = path.join(dir, `${base}.ext`);
  await newKey(key);
  await run('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr]);
  writeFileSync(ext, extensions);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    certs.caFile,
    '-CAkey',
    path.join(certs.dir, 'ca.key'),
    '-set_serial',
    serial(),
    '-days',
    days,
    '-sha256',
    '-extfile',
    ext,
    '-out',
    path.join(dir, `${base}.pem`),
  ]);
  rmSync(csr);
  rmSync(ext);
}

export async function ensureRegistryCerts(dataDir: string): Promise<RegistryCerts> {
  const dir = path.join(dataDir, 'certs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certs: RegistryCerts = {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    serverCertFile: path.join(dir, 'server.pem'),
    serverKeyFile: path.join(dir, 'server.key'),
  };
  if (!existsSync(certs.caFile)) {
    const caKey = path.join(dir, 'ca.key');
    await newKey(caKey);
    await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-sha256',
      '-days',
      days,
      '-set_serial',
      serial(),
      '-subj',
      '/CN=countersign registry test double CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      certs.caFile,
    ]);
  }
  if (!existsSync(certs.serverCertFile)) {
    await issue(
      dir,
      certs,
      'localhost',
      'server',
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        '',
      ].join('\n'),
    );
  }
  return certs;
}

/** The client certificate of a registrar, `<certs>/clients/<clID>.pem` and `.key`, made once. */
export async function ensureClientCert(certs: RegistryCerts, clID: string): Promise<ClientCert> {
  if (!/^[A-Za-z0-9._-]{3,16}$/.test(clID)) throw new Error(`clID "${clID}" cannot name a certificate file`);
  const dir = path.join(certs.dir, 'clients');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cert: ClientCert = {
    certFile: path.join(dir, `${clID}.pem`),
    keyFile: path.join(dir, `${clID}.key`),
  };
  if (!existsSync(cert.certFile)) {
    await issue(
      dir,
      certs,
      clID,
      clID,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=clientAuth',
        '',
      ].join('\n'),
    );
  }
  return cert;
}
