import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FakeSystem } from '../helpers/fake-system';
import { createFakeSystem } from '../helpers/fake-system';

const script = 'install-s3.sh';

/** `go` answering GOVERSION as `version`; `install` behaves as `build` says. */
function stubGo(system: FakeSystem, version: string, build: 'ok' | 'network-error'): void {
  system.stub(
    'go',
    `
if [ "$1" = "env" ] && [ "$2" = "GOVERSION" ]; then echo "${version}"; exit 0; fi
if [ "$1" = "install" ]; then
  echo "go: downloading github.com/versity/versitygw v1.8.0" >&2
  ${
    build === 'ok'
      ? `for p in github.com/versity/versitygw/backend/posix github.com/versity/versitygw/cmd/versitygw; do echo "$p" >&2; done
  mkdir -p "$GOBIN"; printf '#!/bin/sh\\necho built\\n' >"$GOBIN/versitygw"; chmod +x "$GOBIN/versitygw"; exit 0`
      : `echo 'go: github.com/versity/versitygw@v1.8.0: Get "https://proxy.golang.org/...": dial tcp: connection refused' >&2; exit 1`
  }
fi
exit 3`,
  );
}

describe('scripts/install-s3.sh on a simulated fresh system', () => {
  it('builds the pinned versitygw, prints its path, stamps the version and keeps it', async () => {
    const system = createFakeSystem([script]);
    stubGo(system, 'go1.26.8', 'ok');
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    const bin = path.join(system.project, '.tools', 'bin', 'versitygw');
    assert.equal(run.stdout.trim(), bin);
    assert.equal(system.read(`${bin}.version`).trim(), 'v1.8.0');
    assert.ok(
      system.calls().includes('go install -v github.com/versity/versitygw/cmd/versitygw@v1.8.0'),
      system.calls().join('\n'),
    );
    assert.match(run.stderr, /building the S3 server versitygw v1\.8\.0 .*first time only/);
    assert.match(run.stderr, /done: 1 modules downloaded, 2 packages compiled in \d+s/);
    assert.doesNotMatch(run.stderr, /go: downloading/);
    assert.match(
      system.read(path.join(system.project, '.data', 'logs', 'install-s3.log')),
      /go: downloading github\.com\/versity\/versitygw/,
    );

    const again = await system.run(script);
    assert.equal(again.code, 0);
    assert.equal(again.stdout.trim(), bin);
    assert.equal(again.stderr, '');
    assert.equal(
      system.calls().filter((c) => c.startsWith('go install')).length,
      1,
      'a built binary is kept',
    );
  });

  it('rebuilds when the stamped version is not the pinned one', async () => {
    const system = createFakeSystem([script]);
    stubGo(system, 'go1.25.0', 'ok');
    const bin = path.join(system.project, '.tools', 'bin', 'versitygw');
    mkdirSync(path.dirname(bin), { recursive: true });
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    writeFileSync(`${bin}.version`, 'v1.7.0\n');
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(system.read(`${bin}.version`).trim(), 'v1.8.0');
  });

  it('the build fails: exits 1 quoting go and naming the log', async () => {
    const system = createFakeSystem([script]);
    stubGo(system, 'go1.26.8', 'network-error');
    const run = await system.run(script);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /go install exited 1/);
    assert.match(run.stderr, / {4}go: .*connection refused/);
    assert.match(run.stderr, /Full log: \.data\/logs\/install-s3\.log/);
    assert.equal(existsSync(path.join(system.project, '.tools', 'bin', 'versitygw.version')), false);
  });

  it('no Go and no versitygw: exits 2 saying what to install', async () => {
    const system = createFakeSystem([script]);
    const run = await system.run(script);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no Go toolchain is on PATH/);
    assert.match(run.stderr, /Install Go 1\.21 or later/);
    assert.match(run.stderr, /COUNTERSIGN_S3_BIN/);
  });

  it('Go too old but a versitygw on PATH: uses it and says so', async () => {
    const system = createFakeSystem([script]);
    stubGo(system, 'go1.20.14', 'ok');
    const onPath = path.join(system.installed, 'versitygw');
    writeFileSync(onPath, '#!/bin/sh\n');
    chmodSync(onPath, 0o755);
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), onPath);
    assert.match(
      run.stderr,
      /the Go on PATH is go1\.20\.14, older than go1\.21; using the versitygw on PATH/,
    );
  });
});
