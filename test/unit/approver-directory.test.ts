import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Identity } from '../../src/approvals/directory';
import { ApproverDirectory, identify } from '../../src/approvals/directory';
import { formatPath } from '../../src/issues';

const keyA = `${'A'.repeat(42)}E=`;
const keyB = `${'B'.repeat(42)}E=`;
const keyC = `${'C'.repeat(42)}E=`;

function validDirectory() {
  return {
    version: '2026-01',
    humans: [
      { id: 'alice@example.com', roles: ['sre'], keys: [{ id: 'alice-2026', publicKey: keyA }] },
      {
        id: 'Carol@Example.com',
        roles: ['sre', 'service-owner'],
        keys: [
          { id: 'carol-laptop', publicKey: keyB },
          { id: 'carol:yubikey.1', publicKey: keyC },
        ],
      },
    ],
    services: ['aiops-dns-agent', 'countersign-executor'],
  };
}

type Dir = ReturnType<typeof validDirectory>;

describe('ApproverDirectory schema', () => {
  it('accepts a valid directory', () => {
    const result = ApproverDirectory.safeParse(validDirectory());
    assert.ok(result.success, result.success ? '' : result.error.message);
    assert.deepEqual(result.data, validDirectory());
  });

  it('accepts a directory without humans or services', () => {
    assert.ok(ApproverDirectory.safeParse({ version: 'empty', humans: [], services: [] }).success);
  });

  it('trims principal ids', () => {
    const dir = validDirectory();
    dir.humans[0]!.id = '  alice@example.com ';
    const parsed = ApproverDirectory.parse(dir);
    assert.equal(parsed.humans[0]!.id, 'alice@example.com');
  });

  const refusals: readonly { name: string; change: (dir: Dir) => void; path: string; message: RegExp }[] = [
    {
      name: 'duplicate principal (same spelling)',
      change: (dir) => {
        dir.humans[1]!.id = 'alice@example.com';
      },
      path: 'humans[1].id',
      message: /duplicate principal alice@example\.com/,
    },
    {
      name: 'duplicate principal (case-insensitive)',
      change: (dir) => {
        dir.humans[1]!.id = 'ALICE@Example.COM';
      },
      path: 'humans[1].id',
      message: /duplicate principal ALICE@Example\.COM/,
    },
    {
      name: 'duplicate principal (surrounding spaces)',
      change: (dir) => {
        dir.humans[1]!.id = ' alice@example.com ';
      },
      path: 'humans[1].id',
      message: /duplicate principal/,
    },
    {
      name: 'a key id used by two humans',
      change: (dir) => {
        dir.humans[1]!.keys[1]!.id = 'alice-2026';
      },
      path: 'humans[1].keys[1].id',
      message: /key id alice-2026 already belongs to alice@example\.com/,
    },
    {
      name: 'a key id used twice by one human',
      change: (dir) => {
        dir.humans[1]!.keys[1]!.id = 'carol-laptop';
      },
      path: 'humans[1].keys[1].id',
      message: /key id carol-laptop already belongs to Carol@Example\.com/,
    },
    {
      name: 'a principal both human and service',
      change: (dir) => {
        dir.services.push('alice@example.com');
      },
      path: 'services[2]',
      message: /alice@example\.com is listed as both a human and a service principal/,
    },
    {
      name: 'a principal both human and service (case-insensitive)',
      change: (dir) => {
        dir.services = ['carol@example.com'];
      },
      path: 'services[0]',
      message: /both a human and a service principal/,
    },
    {
      name: 'public key too short',
      change: (dir) => {
        dir.humans[0]!.keys[0]!.publicKey = keyA.slice(1);
      },
      path: 'humans[0].keys[0].publicKey',
      message: /base64 ed25519 public key/,
    },
    {
      name: 'public key without padding',
      change: (dir) => {
        dir.humans[0]!.keys[0]!.publicKey = `${keyA.slice(0, 43)}A`;
      },
      path: 'humans[0].keys[0].publicKey',
      message: /base64 ed25519 public key/,
    },
    {
      name: 'public key as PEM',
      change: (dir) => {
        dir.humans[1]!.keys[0]!.publicKey = `-----BEGIN PUBLIC KEY-----\n${keyB}\n-----END PUBLIC KEY-----`;
      },
      path: 'humans[1].keys[0].publicKey',
      message: /base64 ed25519 public key/,
    },
    {
      name: 'public key in base64url',
      change: (dir) => {
        dir.humans[0]!.keys[0]!.publicKey = `${'_-'.repeat(21)}A=`;
      },
      path: 'humans[0].keys[0].publicKey',
      message: /base64 ed25519 public key/,
    },
    {
      name: 'key id with a space',
      change: (dir) => {
        dir.humans[0]!.keys[0]!.id = 'alice 2026';
      },
      path: 'humans[0].keys[0].id',
      message: /letters, digits/,
    },
    {
      name: 'uppercase role',
      change: (dir) => {
        dir.humans[0]!.roles = ['SRE'];
      },
      path: 'humans[0].roles[0]',
      message: /lowercase letters/,
    },
    {
      name: 'a human without roles',
      change: (dir) => {
        dir.humans[0]!.roles = [];
      },
      path: 'humans[0].roles',
      message: /./,
    },
    {
      name: 'a human without keys',
      change: (dir) => {
        dir.humans[0]!.keys = [];
      },
      path: 'humans[0].keys',
      message: /./,
    },
    {
      name: 'an empty principal id',
      change: (dir) => {
        dir.humans[0]!.id = '   ';
      },
      path: 'humans[0].id',
      message: /./,
    },
    {
      name: 'an empty service id',
      change: (dir) => {
        dir.services[0] = '';
      },
      path: 'services[0]',
      message: /./,
    },
    {
      name: 'an empty version',
      change: (dir) => {
        dir.version = '';
      },
      path: 'version',
      message: /./,
    },
  ];

  for (const c of refusals) {
    it(`refuses ${c.name} at ${c.path}`, () => {
      const dir = validDirectory();
      c.change(dir);
      const result = ApproverDirectory.safeParse(dir);
      assert.equal(result.success, false);
      const issues = result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
      const hit = issues.find((i) => i.path === c.path);
      assert.ok(hit, `no issue at ${c.path}: ${JSON.stringify(issues)}`);
      assert.match(hit.message, c.message);
    });
  }

  it('refuses an unknown field on a human', () => {
    const dir = { ...validDirectory(), humans: [{ ...validDirectory().humans[0]!, team: 'dns' }] };
    const result = ApproverDirectory.safeParse(dir);
    assert.equal(result.success, false);
    assert.ok(result.error.issues.some((i) => formatPath(i.path).startsWith('humans[0]')));
  });
});

describe('identify', () => {
  const directory = ApproverDirectory.parse(validDirectory());
  const cases: readonly { principal: string; identity: Identity }[] = [
    { principal: 'alice@example.com', identity: { kind: 'human', id: 'alice@example.com', roles: ['sre'] } },
    {
      principal: 'ALICE@EXAMPLE.COM',
      identity: { kind: 'human', id: 'alice@example.com', roles: ['sre'] },
    },
    {
      principal: '  alice@example.com ',
      identity: { kind: 'human', id: 'alice@example.com', roles: ['sre'] },
    },
    {
      principal: 'carol@example.com',
      identity: { kind: 'human', id: 'Carol@Example.com', roles: ['sre', 'service-owner'] },
    },
    { principal: 'aiops-dns-agent', identity: { kind: 'service', id: 'aiops-dns-agent' } },
    { principal: ' countersign-executor ', identity: { kind: 'service', id: 'countersign-executor' } },
    { principal: 'mallory@example.com', identity: { kind: 'unknown', id: 'mallory@example.com' } },
    { principal: ' mallory ', identity: { kind: 'unknown', id: 'mallory' } },
    { principal: 'alice', identity: { kind: 'unknown', id: 'alice' } },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.principal)} is ${c.identity.kind}`, () => {
      assert.deepEqual(identify(directory, c.principal), c.identity);
    });
  }

  it('finds a service principal case-insensitively', () => {
    const who = identify(directory, 'AIOPS-DNS-AGENT');
    assert.equal(who.kind, 'service');
    assert.equal(who.id.toLowerCase(), 'aiops-dns-agent');
  });
});
