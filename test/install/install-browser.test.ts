import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const script = path.resolve(__dirname, '..', '..', 'scripts', 'install-browser.sh');

function run(env: Record<string, string>) {
  return spawnSync('bash', [script], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('scripts/install-browser.sh', () => {
  it('uses COUNTERSIGN_CHROMIUM when it points at an executable, and prints it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'countersign-browser-'));
    const fake = path.join(dir, 'chrome');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    const result = run({ COUNTERSIGN_CHROMIUM: fake });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), fake);
  });

  it('refuses a COUNTERSIGN_CHROMIUM that is not an executable, saying what to do (exit 2)', () => {
    const result = run({ COUNTERSIGN_CHROMIUM: '/nonexistent/chromium' });
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /COUNTERSIGN_CHROMIUM points to \/nonexistent\/chromium, which is not an executable/,
    );
    assert.match(result.stderr, /or unset it to use \(or install\) the system's chromium package/);
  });

  it('finds the system Chromium the test command installed (a path that runs)', () => {
    const result = run({ COUNTERSIGN_CHROMIUM: '' });
    assert.equal(result.status, 0, result.stderr);
    const found = result.stdout.trim().split('\n').pop() ?? '';
    const version = spawnSync(found, ['--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /Chromium|Chrome/);
  });
});
