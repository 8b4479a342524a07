import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ParsedPolicyCache, ParsedPolicyEntry } from '../../activities/policy/parsed-policy-cache';
import { checksumOf, entryText, parsePolicyCached } from '../../activities/policy/parsed-policy-cache';
import { defaultPolicyPath } from '../../activities/policy/policy-files';
import type { PolicyFile, PolicyParse } from '../../src/policy/parse';
import { parsePolicy } from '../../src/policy/parse';
import { hashOf } from '../../src/hash';

const source = 'policies/default.yaml';

async function withCache(fn: (cache: ParsedPolicyCache, files: PolicyFile[]) => Promise<void>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'countersign-policy-cache-'));
  try {
    const files = [{ name: source, text: await readFile(defaultPolicyPath, 'utf8') }];
    // As the build makes it: a folder of its own, writable by its owner alone.
    await mkdir(path.join(dir, 'policy-cache'), { mode: 0o755 });
    await chmod(path.join(dir, 'policy-cache'), 0o755);
    await fn({ dir: path.join(dir, 'policy-cache'), buildId: 'build-a' }, files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function entries(cache: ParsedPolicyCache): Promise<string[]> {
  return readdir(cache.dir).catch(() => []);
}

/** Replaces the one entry with a consistent one for another policy version. */
async function plant(cache: ParsedPolicyCache, version: string): Promise<void> {
  const [name] = await entries(cache);
  const file = path.join(cache.dir, name ?? '');
  const text = await readFile(file, 'utf8');
  const entry = JSON.parse(text.slice(text.indexOf('\n') + 1)) as ParsedPolicyEntry;
  const marked = { ...entry.policy, version };
  await writeFile(file, entryText({ ...entry, policy: marked, hash: hashOf(marked) }));
}

function loaded(result: PolicyParse) {
  assert.ok(result.ok, result.ok ? '' : result.issues.map((i) => i.message).join('; '));
  return result.loaded;
}

describe('the parsed-policy cache of the command', () => {
  it('gives what parsePolicy gives, from the first run and from the entry it wrote', async () => {
    await withCache(async (cache, files) => {
      const direct = loaded(parsePolicy(files, source));
      assert.deepEqual(loaded(await parsePolicyCached(files, source, cache)), direct);
      assert.equal((await entries(cache)).length, 1);
      assert.deepEqual(loaded(await parsePolicyCached(files, source, cache)), direct);
    });
  });

  it('reads the entry instead of parsing while the files and the build are the same', async () => {
    await withCache(async (cache, files) => {
      await parsePolicyCached(files, source, cache);
      // An entry rewritten with another (consistent) policy is what the next run reads: proof that
      // it is read, and why the folder must be the build's own, like the compiled code beside it.
      await plant(cache, 'read-from-the-entry');
      assert.equal(
        loaded(await parsePolicyCached(files, source, cache)).policy.version,
        'read-from-the-entry',
      );
    });
  });

  const changes: [
    string,
    (files: PolicyFile[], cache: ParsedPolicyCache) => [PolicyFile[], ParsedPolicyCache],
  ][] = [
    [
      'an edited file',
      (files, cache) => [
        files.map((f) => ({ ...f, text: f.text.replace(/^version: .*$/m, 'version: edited-1') })),
        cache,
      ],
    ],
    ['another build', (files, cache) => [files, { ...cache, buildId: 'build-b' }]],
  ];
  for (const [what, change] of changes) {
    it(`parses again after ${what}, and keeps one entry per location`, async () => {
      await withCache(async (cache, files) => {
        await parsePolicyCached(files, source, cache);
        const [changedFiles, changedCache] = change(files, cache);
        const again = loaded(await parsePolicyCached(changedFiles, source, changedCache));
        assert.deepEqual(again, loaded(parsePolicy(changedFiles, source)));
        assert.equal((await entries(cache)).length, 1);
      });
    });
  }

  for (const [what, damage] of [
    ['not JSON', () => '{"key": "trunc'],
    ['JSON without its checksum line', (text: string) => text.slice(text.indexOf('\n') + 1)],
    [
      'a policy whose bytes no longer match its checksum',
      (text: string) => text.replace(/"tier":2/, '"tier":0'),
    ],
    ['cut off', (text: string) => text.slice(0, -10)],
    ['empty', () => ''],
  ] as const) {
    it(`parses again when the entry is ${what}, and repairs it`, async () => {
      await withCache(async (cache, files) => {
        const direct = loaded(await parsePolicyCached(files, source, cache));
        const [name] = await entries(cache);
        const file = path.join(cache.dir, name ?? '');
        const text = await readFile(file, 'utf8');
        const damaged = damage(text);
        assert.notEqual(damaged, text);
        await writeFile(file, damaged);
        assert.deepEqual(loaded(await parsePolicyCached(files, source, cache)), direct);
        assert.equal(await readFile(file, 'utf8'), text);
      });
    });
  }

  it('never takes an entry made for another location, even one written under its file name', async () => {
    await withCache(async (cache, files) => {
      await parsePolicyCached(files, source, cache);
      await plant(cache, 'made-for-another-location');
      const [name] = await entries(cache);
      const other = 'policies/other.yaml';
      await rename(path.join(cache.dir, name ?? ''), path.join(cache.dir, `${checksumOf(other)}.json`));
      const result = loaded(await parsePolicyCached(files, other, cache));
      assert.deepEqual(result, loaded(parsePolicy(files, other)));
    });
  });

  it('names an entry by a checksum that any change to the text moves', () => {
    const samples = ['', 'a', 'b', 'ab', 'ba', source, `${source} `, 'policies/default.yml'];
    const sums = samples.map(checksumOf);
    assert.equal(new Set(sums).size, samples.length, sums.join(', '));
    for (const sum of sums) assert.match(sum, /^[0-9a-f]{8}$/);
  });

  it('never keeps an invalid policy: each run names the issue and its line', async () => {
    await withCache(async (cache, files) => {
      const broken = files.map((f) => ({ ...f, text: f.text.replace(/^roles:/m, 'rolez:') }));
      for (let run = 0; run < 2; run += 1) {
        const result = await parsePolicyCached(broken, source, cache);
        assert.equal(result.ok, false);
        assert.ok(!result.ok && result.issues.some((i) => i.line !== undefined && /rolez/.test(i.message)));
      }
      assert.deepEqual(await entries(cache), []);
    });
  });

  const untrusted: [string, (cache: ParsedPolicyCache) => Promise<void>][] = [
    ['missing (the build made none)', (cache) => rm(cache.dir, { recursive: true })],
    [
      'a file',
      async (cache) => {
        await rm(cache.dir, { recursive: true });
        await writeFile(cache.dir, 'a file where the folder would be');
      },
    ],
    ['writable by others', (cache) => chmod(cache.dir, 0o777)],
    ['writable by its group', (cache) => chmod(cache.dir, 0o775)],
    [
      'a link to a folder',
      async (cache) => {
        await rename(cache.dir, `${cache.dir}-elsewhere`);
        await symlink(`${cache.dir}-elsewhere`, cache.dir);
      },
    ],
  ];
  for (const [what, untrust] of untrusted) {
    it(`neither reads nor writes a folder that is ${what}: it parses each time`, async () => {
      await withCache(async (cache, files) => {
        await parsePolicyCached(files, source, cache);
        await plant(cache, 'planted');
        const before = await entries(cache);
        await untrust(cache);
        const result = loaded(await parsePolicyCached(files, source, cache));
        assert.deepEqual(result, loaded(parsePolicy(files, source)));
        assert.notEqual(result.policy.version, 'planted');
        // Nothing written either: the planted entry is still there as it was, and nothing beside it.
        const after = await entries(cache);
        assert.ok(after.length === 0 || after.join() === before.join(), after.join(', '));
        for (const name of after)
          assert.match(await readFile(path.join(cache.dir, name), 'utf8'), /"version":"planted"/);
      });
    });
  }

  it('keeps at most 64 locations, dropping the least recently written', async () => {
    await withCache(async (cache, files) => {
      for (let i = 0; i < 66; i += 1) await parsePolicyCached(files, `policies/copy-${i}.yaml`, cache);
      const kept = await entries(cache);
      assert.equal(kept.length, 64);
      assert.ok(
        kept.every((n) => n.endsWith('.json')),
        kept.join(', '),
      );
    });
  });
});
