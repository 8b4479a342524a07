import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { heapLimitAdvice, workerEnvironment, workerNodeFlags } from '../../workers/process-memory';

const root = path.join(__dirname, '..', '..');

describe("a change worker's process memory settings (workers/process-memory.ts)", () => {
  const settings = [
    ...Object.entries(workerEnvironment).map(([k, v]) => `${k}=${v}`),
    'node',
    ...workerNodeFlags,
    'bin/run-entry.js',
    'workers/main',
  ];

  it('are what npm run worker starts it with', () => {
    const scripts = (
      JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    assert.equal(scripts.worker, `node bin/require-node.js && ${settings.join(' ')}`);
  });

  it('are what the Docker image starts it with', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    for (const [k, v] of Object.entries(workerEnvironment))
      assert.match(dockerfile, new RegExp(`^ENV ${k}=${v}$`, 'm'));
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    assert.deepEqual(JSON.parse(cmd ?? 'null'), settings.slice(Object.keys(workerEnvironment).length));
  });

  for (const [limit, warned] of [
    [304, false],
    [1024, false],
    [1025, true],
    [4144, true],
  ] as const) {
    it(`${warned ? 'warns' : 'stays quiet'} at a heap limit of ${limit} MiB`, () => {
      const { heapLimitMiB, advice } = heapLimitAdvice(limit);
      assert.equal(heapLimitMiB, limit);
      if (!warned) return assert.equal(advice, undefined);
      assert.match(advice ?? '', new RegExp(`heap limit is ${limit} MiB`));
      assert.match(advice ?? '', /--max-old-space-size=256 --max-semi-space-size=2 and MALLOC_ARENA_MAX=2/);
    });
  }
});
