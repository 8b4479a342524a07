import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dsFor, keyTag, keyTags, unmatchedDs } from '../../activities/dns/ds-check';

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
