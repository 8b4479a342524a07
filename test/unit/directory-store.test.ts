import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { createDirectorySource, parseDirectory } from '../../activities/approvals/directory-store';
import { FailureType } from '../../src/failures';

const keyA = `${'A'.repeat(42)}E=`;
const keyB = `${'B'.repeat(42)}E=`;

function directory() {
  return {
    version: 'v1',
    humans: [
      { id: 'alice@example.com', roles: ['sre'], keys: [{ id: 'alice-2026', publicKey: keyA }] },
      { id: 'carol@example.com', roles: ['service-owner'], keys: [{ id: 'carol-2026', publicKey: keyB }] },
    ],
    services: ['aiops-dns-agent'],
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'countersign-directory-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('parseDirectory', () => {
  it('parses a valid YAML directory', () => {
    const parsed = parseDirectory(stringify(directory()), 'approvers.yaml');
    assert.deepEqual(parsed, directory());
  });

  const errors: readonly { name: string; text: string; message: RegExp }[] = [
    {
      name: 'not YAML',
      text: 'version: [unclosed\nhumans: {',
      message: /^approvers\.yaml: not valid YAML: /,
    },
    {
      name: 'bad public key',
      text: stringify({
        ...directory(),
        humans: [{ id: 'alice@example.com', roles: ['sre'], keys: [{ id: 'k', publicKey: 'short' }] }],
      }),
      message: /^approvers\.yaml: humans\[0\]\.keys\[0\]\.publicKey: a base64 ed25519 public key/,
    },
    {
      name: 'duplicate principal',
      text: stringify({
        ...directory(),
        humans: [directory().humans[0], { ...directory().humans[1], id: 'Alice@Example.com' }],
      }),
      message: /^approvers\.yaml: humans\[1\]\.id: duplicate principal Alice@Example\.com$/,
    },
    {
      name: 'key id used twice',
      text: stringify({
        ...directory(),
        humans: [
          directory().humans[0],
          { ...directory().humans[1], keys: [{ id: 'alice-2026', publicKey: keyB }] },
        ],
      }),
      message:
        /^approvers\.yaml: humans\[1\]\.keys\[0\]\.id: key id alice-2026 already belongs to alice@example\.com$/,
    },
    {
      name: 'human and service',
      text: stringify({ ...directory(), services: ['aiops-dns-agent', 'carol@example.com'] }),
      message:
        /^approvers\.yaml: services\[1\]: carol@example\.com is listed as both a human and a service principal$/,
    },
    {
      name: 'two problems, both named',
      text: stringify({ ...directory(), version: '', services: ['alice@example.com'] }),
      message: /^approvers\.yaml: .*version: .*; .*services\[0\]: /,
    },
    {
      name: 'empty file',
      text: '',
      message: /^approvers\.yaml: \(root\): /,
    },
  ];
  for (const c of errors) {
    it(`names the file and the path: ${c.name}`, () => {
      assert.throws(
        () => parseDirectory(c.text, 'approvers.yaml'),
        (err: Error) => {
          assert.match(err.message, c.message);
          return true;
        },
      );
    });
  }
});

function isDirectoryInvalid(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, `not an ApplicationFailure: ${String(err)}`);
    assert.equal(err.type, FailureType.DirectoryInvalid);
    assert.equal(err.type, 'DirectoryInvalid');
    assert.notEqual(err.nonRetryable, true);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('createDirectorySource', () => {
  it('rereads a changed file: a removed human is gone', async () => {
    const file = path.join(dir, 'reread.yaml');
    writeFileSync(file, stringify(directory()));
    const source = createDirectorySource(file);
    const first = await source();
    assert.deepEqual(
      first.humans.map((h) => h.id),
      ['alice@example.com', 'carol@example.com'],
    );
    writeFileSync(file, stringify({ ...directory(), version: 'v2', humans: [directory().humans[1]] }));
    const second = await source();
    assert.equal(second.version, 'v2');
    assert.deepEqual(
      second.humans.map((h) => h.id),
      ['carol@example.com'],
    );
  });

  it('an unchanged file yields the same directory', async () => {
    const file = path.join(dir, 'same.yaml');
    writeFileSync(file, stringify(directory()));
    const source = createDirectorySource(file);
    const first = await source();
    assert.deepEqual(await source(), first);
  });

  it('throws DirectoryInvalid for an invalid file, naming the file and path', async () => {
    const file = path.join(dir, 'invalid.yaml');
    writeFileSync(file, stringify({ ...directory(), services: ['alice@example.com'] }));
    await assert.rejects(
      createDirectorySource(file)(),
      isDirectoryInvalid(/invalid\.yaml: services\[0\]: alice@example\.com is listed as both/),
    );
  });

  it('throws DirectoryInvalid for a file that is not YAML', async () => {
    const file = path.join(dir, 'garbage.yaml');
    writeFileSync(file, 'humans: [\n');
    await assert.rejects(createDirectorySource(file)(), isDirectoryInvalid(/not valid YAML/));
  });

  it('throws DirectoryInvalid for a missing file', async () => {
    const file = path.join(dir, 'missing.yaml');
    await assert.rejects(createDirectorySource(file)(), isDirectoryInvalid(/missing\.yaml unreadable/));
  });

  it('a file that becomes invalid fails closed, and recovers once fixed', async () => {
    const file = path.join(dir, 'flip.yaml');
    writeFileSync(file, stringify(directory()));
    const source = createDirectorySource(file);
    assert.equal((await source()).humans.length, 2);
    writeFileSync(file, stringify({ ...directory(), version: '' }));
    await assert.rejects(source(), isDirectoryInvalid(/flip\.yaml: version: /));
    await assert.rejects(source(), isDirectoryInvalid(/flip\.yaml/));
    writeFileSync(file, stringify({ ...directory(), version: 'v3', humans: [] }));
    const fixed = await source();
    assert.equal(fixed.version, 'v3');
    assert.deepEqual(fixed.humans, []);
  });
});
