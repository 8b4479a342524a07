import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FakeSystem } from '../helpers/fake-system';
import { createFakeSystem, installFakePerl, stubAptGet, stubUser } from '../helpers/fake-system';

const script = 'install-pdns.sh';
const allPackages =
  'pdns-server pdns-backend-sqlite3 sqlite3 dnsutils libxml2-utils libnet-epp-perl openssl prometheus';
const allTools = ['pdns_server', 'sqlite3', 'dig', 'xmllint', 'openssl', 'prometheus'];
const containerPolicy = "#!/bin/sh\n# the image's own file\nexit 101\n";
const permissivePolicy = '#!/bin/sh\nexit 0\n';

function policyFile(system: FakeSystem): string {
  return path.join(system.sysroot, 'usr', 'sbin', 'policy-rc.d');
}

function withPolicy(system: FakeSystem, content: string, mode = 0o755): { content: string; mode: number } {
  writeFileSync(policyFile(system), content);
  chmodSync(policyFile(system), mode);
  return { content, mode };
}

function assertPolicyUnchanged(system: FakeSystem, before: { content: string; mode: number } | null): void {
  if (before === null) {
    assert.equal(
      existsSync(policyFile(system)),
      false,
      'a policy-rc.d the machine did not have was left behind',
    );
  } else {
    assert.equal(system.read(policyFile(system)), before.content, "the machine's policy-rc.d was changed");
    assert.equal(
      statSync(policyFile(system)).mode & 0o7777,
      before.mode,
      "the machine's policy-rc.d mode was changed",
    );
  }
  assert.equal(existsSync(`${policyFile(system)}.countersign-saved`), false);
}

/** Everything missing and apt-get there: the state of a fresh Debian machine. */
function freshDebian(uid = 0): FakeSystem {
  const system = createFakeSystem([script]);
  stubUser(system, uid);
  stubAptGet(system);
  return system;
}

/** The given commands on PATH, the PowerDNS SQLite schema, and perl with Net::EPP unless told otherwise. */
function packagesPresent(system: FakeSystem, tools = allTools, perlModules = ['Net::EPP::Simple']): void {
  for (const tool of tools) {
    writeFileSync(path.join(system.installed, tool), '#!/bin/sh\n');
    chmodSync(path.join(system.installed, tool), 0o755);
  }
  const schema = path.join(system.sysroot, 'usr', 'share', 'pdns-backend-sqlite3', 'schema');
  mkdirSync(schema, { recursive: true });
  writeFileSync(path.join(schema, 'schema.sqlite3.sql'), '');
  installFakePerl(system, perlModules);
}

describe('scripts/install-pdns.sh on a simulated fresh system', () => {
  const policyCases = [
    { name: "a container's policy-rc.d (exit 101) already present", content: containerPolicy },
    { name: 'no policy-rc.d', content: null },
    { name: 'a policy-rc.d that allows starts', content: permissivePolicy },
  ];
  for (const policyCase of policyCases) {
    it(`as root with ${policyCase.name}: installs, exits 0, starts no daemon, leaves policy-rc.d as it was`, async () => {
      const system = freshDebian();
      const before = policyCase.content === null ? null : withPolicy(system, policyCase.content);
      const run = await system.run(script);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(system.calls(), [
        'apt-get update -q',
        `apt-get install -y -q --no-install-recommends ${allPackages}`,
      ]);
      assert.deepEqual(system.daemonsStarted(), []);
      assertPolicyUnchanged(system, before);
      assert.match(
        run.stderr,
        new RegExp(`installed ${allPackages}; the packaged PowerDNS service was not started`),
      );
      // A second run finds everything and asks for nothing.
      const again = await system.run(script);
      assert.equal(again.code, 0);
      assert.equal(system.calls().length, 2);
    });
  }

  it('installs only what is missing', async () => {
    const system = freshDebian();
    packagesPresent(system, ['sqlite3', 'xmllint']);
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(system.calls(), [
      'apt-get update -q',
      'apt-get install -y -q --no-install-recommends pdns-server dnsutils openssl prometheus',
    ]);
  });

  it('a machine set up before the EPP tests: installs xmllint, Net::EPP and openssl only', async () => {
    const system = freshDebian();
    packagesPresent(system, ['pdns_server', 'sqlite3', 'dig', 'prometheus'], []);
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(system.calls(), [
      'apt-get update -q',
      'apt-get install -y -q --no-install-recommends libxml2-utils libnet-epp-perl openssl',
    ]);
    assert.match(run.stderr, /installed libxml2-utils libnet-epp-perl openssl;/);
    const again = await system.run(script);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, '');
    assert.equal(system.calls().length, 2);
  });

  it('perl without Net::EPP counts as missing: installs libnet-epp-perl', async () => {
    const system = freshDebian();
    packagesPresent(system, allTools, ['Some::Other']);
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(system.calls(), [
      'apt-get update -q',
      'apt-get install -y -q --no-install-recommends libnet-epp-perl',
    ]);
  });

  it('as root with everything present: exits 0 and asks apt-get for nothing', async () => {
    const system = freshDebian();
    packagesPresent(system);
    const run = await system.run(script);
    assert.equal(run.code, 0);
    assert.deepEqual(system.calls(), []);
    assert.equal(run.stderr, '');
  });

  it('not root with packages missing: exits 2 with the exact command, installs nothing, touches nothing', async () => {
    const system = freshDebian(1000);
    const before = withPolicy(system, containerPolicy);
    const run = await system.run(script);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /installing them needs root\. Run: sudo bash scripts\/install-pdns\.sh/);
    assert.match(run.stderr, new RegExp(`missing \\(${allPackages}\\)`));
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.deepEqual(
      system.calls().filter((c) => c.startsWith('apt-get')),
      [],
    );
    assertPolicyUnchanged(system, before);
  });

  it('not root with everything present: exits 0', async () => {
    const system = freshDebian(1000);
    packagesPresent(system);
    const run = await system.run(script);
    assert.equal(run.code, 0);
    assert.deepEqual(
      system.calls().filter((c) => c.startsWith('apt-get')),
      [],
    );
  });

  it('no apt-get: exits 2 naming the packages to install another way', async () => {
    const system = createFakeSystem([script]);
    stubUser(system, 0);
    const run = await system.run(script);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no apt-get to install them with/);
    assert.match(run.stderr, new RegExp(`Debian/Ubuntu names: ${allPackages}\\)`));
    assert.match(run.stderr, /xmllint, Perl's Net::EPP and openssl/);
  });

  it('apt-get fails: exits 1 quoting its last lines and naming the log, and restores policy-rc.d', async () => {
    const system = freshDebian();
    const run = await system.run(script, { FAKE_APT_FAIL: '1' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /apt-get exited 100/);
    assert.match(run.stderr, / {4}E: Unable to locate package pdns-server/);
    assert.match(run.stderr, /Full log: \.data\/logs\/install-pdns\.log/);
    assert.match(
      system.read(path.join(system.project, '.data', 'logs', 'install-pdns.log')),
      /Unable to locate/,
    );
    assertPolicyUnchanged(system, null);
  });

  it('apt-get claims success but installs nothing: exits 1 naming what is still missing', async () => {
    const system = freshDebian();
    const run = await system.run(script, { FAKE_APT_NOOP: '1' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /still cannot be found/);
    assert.match(run.stderr, /pdns_server/);
    assert.match(run.stderr, /xmllint Perl's Net::EPP::Simple openssl prometheus still cannot be found/);
  });

  it('on a machine booted with systemd: disables the packaged service for the next boot', async () => {
    const system = freshDebian();
    mkdirSync(path.join(system.sysroot, 'run', 'systemd', 'system'), { recursive: true });
    system.stub('systemctl', 'exit 0');
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(system.calls().includes('systemctl disable pdns.service'), system.calls().join('\n'));
  });

  it("stopped by SIGTERM mid-install: puts the machine's own policy-rc.d back", async () => {
    const system = freshDebian();
    const before = withPolicy(system, permissivePolicy, 0o700);
    const run = await system.run(script, { FAKE_APT_SLEEP: '1' }, { signal: 'SIGTERM', ms: 400 });
    assert.equal(run.code, 143);
    assertPolicyUnchanged(system, before);
  });

  it('after a run killed outright: restores the policy-rc.d it had set aside', async () => {
    const system = freshDebian();
    const original = withPolicy(system, permissivePolicy);
    // What SIGKILL leaves: the machine's file set aside, the script's own in its place.
    writeFileSync(`${policyFile(system)}.countersign-saved`, original.content);
    chmodSync(`${policyFile(system)}.countersign-saved`, original.mode);
    writeFileSync(policyFile(system), '#!/bin/sh\nexit 101\n');
    const run = await system.run(script);
    assert.equal(run.code, 0, run.stderr);
    assertPolicyUnchanged(system, original);
    assert.deepEqual(system.daemonsStarted(), []);
  });
});
