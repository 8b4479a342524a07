import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ParsedPolicyCache } from '../../activities/policy/parsed-policy-cache';
import { parsePolicyCached } from '../../activities/policy/parsed-policy-cache';
import { defaultPolicyPath } from '../../activities/policy/policy-store';
import type { PolicyFile, PolicyParse } from '../../src/policy/parse';
import { parsePolicy } from '../../src/policy/parse';
import { hashOf } from '../../src/hash';

const source = 'policies/default.yaml';

async function withCache(fn: (cache: ParsedPolicyCache, files: PolicyFile[]) => Promise<void>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'countersign-policy-cache-'));
  try {
    const files = [{ name: source, text: await readFile(defaultPolicyPath, 'utf8') }];
    await fn({ dir: path.join(dir, 'policy-cache'), buildId: 'build-a' }, files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function entries(cache: ParsedPolicyCache): Promise<string[]> {
  return readdir(cache.dir).catch(() => []);
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
      // it is read, and why the folder belongs to the build, like the compiled code beside it.
      const [name] = await entries(cache);
      const file = path.join(cache.dir, name ?? '');
      const entry = JSON.parse(await readFile(file, 'utf8')) as { policy: { version: string } };
      const marked = { ...entry.policy, version: 'read-from-the-entry' };
      await writeFile(file, JSON.stringify({ ...entry, policy: marked, hash: hashOf(marked) }));
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
    ['a policy that no longer hashes to its hash', (text: string) => text.replace(/"tier":2/, '"tier":0')],
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

  it('parses at every run where the folder cannot be written', async () => {
    await withCache(async (cache, files) => {
      await writeFile(cache.dir, 'a file where the folder would be');
      assert.deepEqual(
        loaded(await parsePolicyCached(files, source, cache)),
        loaded(parsePolicy(files, source)),
      );
    });
  });
});
