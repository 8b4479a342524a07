import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FakeSystem } from '../helpers/fake-system';
import { createFakeSystem } from '../helpers/fake-system';

const script = 'install-temporal.sh';

/** `go` answering GOVERSION as `version`; `install` behaves as `build` says. */
function stubGo(system: FakeSystem, version: string, build: 'ok' | 'network-error'): void {
  system.stub(
    'go',
    `
if [ "$1" = "env" ] && [ "$2" = "GOVERSION" ]; then echo "${version}"; exit 0; fi
if [ "$1" = "install" ]; then
  echo "go: downloading github.com/temporalio/cli v1.5.1" >&2
  echo "go: downloading go.temporal.io/server v1.29.1" >&2
  ${
    build === 'ok'
      ? `for p in go.temporal.io/api go.temporal.io/server/common github.com/temporalio/cli/cmd/temporal; do echo "$p" >&2; done
  mkdir -p "$GOBIN"; printf '#!/bin/sh\\necho built\\n' >"$GOBIN/temporal"; chmod +x "$GOBIN/temporal"; exit 0`
      : `echo 'go: github.com/temporalio/cli@v1.5.1: Get "https://proxy.golang.org/...": dial tcp: connection refused' >&2; exit 1`
  }
fi
exit 3`,
  );
}

function temporalOnPath(system: FakeSystem): string {
  const file = path.join(system.installed, 'temporal');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('scripts/install-temporal.sh on a simulated fresh system', () => {
  it('builds the pinned CLI with a current Go, shows progress, prints the binary path and stamps the version', async () => {
    const system = createFakeSystem([script]);
    stubGo(system, 'go1.26.8', 'ok');
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    const bin = path.join(system.project, '.tools', 'bin', 'temporal');
    assert.equal(run.stdout.trim(), bin);
    assert.equal(system.read(`${bin}.version`).trim(), 'v1.5.1');
    assert.ok(
      system.calls().includes('go install -v github.com/temporalio/cli/cmd/temporal@v1.5.1'),
      system.calls().join('\n'),
    );
    assert.match(run.stderr, /building the Temporal CLI v1\.5\.1 .*first time only/);
    assert.match(run.stderr, /done: 2 modules downloaded, 3 packages compiled in \d+s/);
    // go's own lines go to the log, not to the person waiting.
    assert.doesNotMatch(run.stderr, /go: downloading/);
    assert.match(
      system.read(path.join(system.project, '.data', 'logs', 'install-temporal.log')),
      /go: downloading go\.temporal\.io\/server/,
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
    const bin = path.join(system.project, '.tools', 'bin', 'temporal');
    mkdirSync(path.dirname(bin), { recursive: true });
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    writeFileSync(`${bin}.version`, 'v1.4.0\n');
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(system.read(`${bin}.version`).trim(), 'v1.5.1');
  });

  it('the build fails: exits 1 quoting go and naming the log and the likely causes', async () => {
    const system = createFakeSystem([script]);
    stubGo(system, 'go1.26.8', 'network-error');
    const run = await system.run(script);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /go install exited 1/);
    assert.match(run.stderr, / {4}go: .*connection refused/);
    assert.match(run.stderr, /Full log: \.data\/logs\/install-temporal\.log/);
    assert.match(run.stderr, /Go module proxy could not\s+be reached/);
    assert.equal(existsSync(path.join(system.project, '.tools', 'bin', 'temporal.version')), false);
  });

  it('no Go and no temporal: exits 2 saying what to install', async () => {
    const system = createFakeSystem([script]);
    const run = await system.run(script);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no Go toolchain is on PATH/);
    assert.match(run.stderr, /Install Go 1\.21 or later/);
    assert.match(run.stderr, /COUNTERSIGN_TEMPORAL_BIN/);
  });

  it('Go too old and no temporal: exits 2 naming the version found', async () => {
    const system = createFakeSystem([script]);
    stubGo(system, 'go1.19.8', 'ok');
    const run = await system.run(script);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /the Go on PATH is go1\.19\.8, older than go1\.21/);
    assert.deepEqual(
      system.calls().filter((c) => c.startsWith('go install')),
      [],
    );
  });

  for (const goCase of [
    { name: 'no Go', version: null },
    { name: 'Go too old', version: 'go1.20.14' },
  ]) {
    it(`${goCase.name} but a temporal CLI on PATH: uses it and says so`, async () => {
      const system = createFakeSystem([script]);
      if (goCase.version !== null) stubGo(system, goCase.version, 'ok');
      const onPath = temporalOnPath(system);
      const run = await system.run(script);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), onPath);
      assert.match(run.stderr, /using the temporal CLI on PATH/);
    });
  }
});
