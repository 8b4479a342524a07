import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainBreak, dsFor, keyTag, keyTags, unmatchedDs } from '../../activities/dns/ds-check';

// RFC 4034 section 5.4 and RFC 4509 section 2.3: the same key, its SHA-1 and SHA-256 DS records.
const owner = 'dskey.example.com.';
const dnskey =
  '256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==';
const sha1 = '60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118';
const sha256 = '60485 5 2 d4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a';
const keys = { name: owner, type: 'DNSKEY', ttl: 86400, records: [dnskey] };

describe('DS against the child DNSKEY (RFC 4034, RFC 4509 test vectors)', () => {
  it('computes the key tag and both digests of the RFC examples', () => {
    assert.equal(dsFor(owner, dnskey, 1), sha1);
    assert.equal(dsFor(owner, dnskey, 2), sha256);
    assert.deepEqual(keyTags(keys), [60485]);
    assert.equal(keyTag(Buffer.from([1, 0, 3, 8])), (0x0100 + 0x0308) & 0xffff);
  });

  it('owner names compare in canonical (lowercase) form', () => {
    assert.equal(dsFor('DSKEY.Example.COM', dnskey, 2), sha256);
  });

  const table: { name: string; ds: string[]; unmatched: string[] }[] = [
    { name: 'matching SHA-1 and SHA-256 records', ds: [sha1, sha256], unmatched: [] },
    {
      name: 'a digest of another key',
      ds: [sha256.replace('d4b7', 'd4b8')],
      unmatched: [sha256.replace('d4b7', 'd4b8')],
    },
    {
      name: 'the right digest under another owner',
      ds: [dsFor('other.example.com.', dnskey, 2) as string],
      unmatched: [dsFor('other.example.com.', dnskey, 2) as string],
    },
    { name: 'an unsupported digest type', ds: ['60485 5 3 00'], unmatched: ['60485 5 3 00'] },
  ];
  for (const row of table)
    it(row.name, () => {
      assert.deepEqual(unmatchedDs(owner, row.ds, keys), row.unmatched);
    });

  it('no published key: every DS is unmatched', () => {
    assert.deepEqual(unmatchedDs(owner, [sha256], null), [sha256]);
    assert.deepEqual(keyTags(null), []);
  });
});

describe('chain of trust: which DNSKEY and DS plans break it', () => {
  const plan = (type: string, before: string[], after: string[]) => ({
    type,
    name: owner,
    before: before.length === 0 ? null : { name: owner, type, ttl: 3600, records: before },
    after: after.length === 0 ? null : { name: owner, type, ttl: 3600, records: after },
  });
  const ds = { name: owner, type: 'DS', ttl: 3600, records: [sha256] };
  const other =
    '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==';
  const table: {
    name: string;
    plan: ReturnType<typeof plan>;
    served: typeof ds | null;
    breaks: RegExp | null;
  }[] = [
    {
      name: 'removing the key the DS points to',
      plan: plan('DNSKEY', [dnskey, other], [other]),
      served: ds,
      breaks: /match none/,
    },
    {
      name: 'adding a key next to it',
      plan: plan('DNSKEY', [dnskey], [dnskey, other]),
      served: ds,
      breaks: null,
    },
    {
      name: 'changing keys of an unsigned delegation',
      plan: plan('DNSKEY', [dnskey], [other]),
      served: null,
      breaks: null,
    },
    {
      name: 'deleting the last DS of a signed child',
      plan: plan('DS', [sha256], []),
      served: keys,
      breaks: /last DS/,
    },
    {
      name: 'replacing a DS with one for the same key',
      plan: plan('DS', [sha256], [sha1]),
      served: keys,
      breaks: null,
    },
    {
      name: 'leaving only a DS no key matches',
      plan: plan('DS', [sha256, '1 5 2 ' + 'ab'.repeat(32)], ['1 5 2 ' + 'ab'.repeat(32)]),
      served: keys,
      breaks: /bogus/,
    },
    {
      name: 'deleting a DS of an unsigned child',
      plan: plan('DS', [sha256], []),
      served: null,
      breaks: null,
    },
    { name: 'an A record', plan: plan('A', ['192.0.2.1'], []), served: null, breaks: null },
  ];
  for (const row of table)
    it(row.name, () => {
      const found = chainBreak(row.plan, row.served);
      if (row.breaks === null) assert.equal(found, null);
      else assert.match(found ?? '', row.breaks);
    });
});
