import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A simulated fresh system for the install scripts: a copy of the project's script in its own
 * project folder, a system root (COUNTERSIGN_INSTALL_ROOT) for policy-rc.d and package files, and a
 * PATH of stub commands (apt-get, id, go, ...) that record what they were asked, plus links to the
 * few base tools the scripts use. Whatever the real machine has installed stays hidden.
 */
export interface FakeSystem {
  readonly dir: string;
  readonly project: string;
  readonly sysroot: string;
  /** Where stubbed packages put their commands (on PATH). */
  readonly installed: string;
  /** One line per stub call: "apt-get update", "systemctl disable pdns.service", ... */
  calls(): string[];
  /** Daemons a maintainer script would have started (policy-rc.d allowed it). */
  daemonsStarted(): string[];
  /** A command on PATH; `record: false` keeps it out of calls() (for `id`, asked on every run). */
  stub(name: string, body: string, options?: { record?: boolean }): void;
  run(
    script: string,
    env?: Record<string, string>,
    signalAfterMs?: { signal: NodeJS.Signals; ms: number },
  ): Promise<ScriptRun>;
  read(file: string): string;
}

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const baseTools = [
  'bash',
  'sh',
  'cat',
  'chmod',
  'mkdir',
  'mv',
  'rm',
  'dirname',
  'tail',
  'sed',
  'touch',
  'sleep',
  'printf',
];

function which(tool: string): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const candidate = path.join(dir, tool);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`base tool ${tool} not found on this machine`);
}

export function createFakeSystem(scripts: readonly string[]): FakeSystem {
  const dir = mkdtempSync(path.join(tmpdir(), 'countersign-install-'));
  const project = path.join(dir, 'project');
  const sysroot = path.join(dir, 'root');
  const stubs = path.join(dir, 'stubs');
  const tools = path.join(dir, 'tools');
  const installed = path.join(dir, 'installed');
  for (const d of [path.join(project, 'scripts'), path.join(sysroot, 'usr', 'sbin'), stubs, tools, installed])
    mkdirSync(d, { recursive: true });
  for (const script of scripts)
    copyFileSync(path.join(__dirname, '..', '..', 'scripts', script), path.join(project, 'scripts', script));
  // What the scripts source, as in the project.
  cpSync(path.join(__dirname, '..', '..', 'scripts', 'lib'), path.join(project, 'scripts', 'lib'), {
    recursive: true,
  });
  for (const tool of baseTools) symlinkSync(which(tool), path.join(tools, tool));
  const callLog = path.join(dir, 'calls.log');
  const daemonLog = path.join(dir, 'daemons.log');
  writeFileSync(callLog, '');
  writeFileSync(daemonLog, '');
  const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const system: FakeSystem = {
    dir,
    project,
    sysroot,
    installed,
    calls: () => lines(callLog),
    daemonsStarted: () => lines(daemonLog),
    stub(name, body, options = {}) {
      const file = path.join(stubs, name);
      const record = options.record === false ? '' : `echo "${name} $*" >>"${callLog}"\n`;
      writeFileSync(file, `#!${which('bash')}\n${record}${body}\n`);
      chmodSync(file, 0o755);
    },
    run(script, env = {}, signalAfterMs) {
      return new Promise((resolve, reject) => {
        const child = spawn(which('bash'), [path.join(project, 'scripts', script)], {
          env: {
            PATH: [stubs, installed, tools].join(':'),
            HOME: dir,
            COUNTERSIGN_INSTALL_ROOT: sysroot,
            FAKE_DAEMON_LOG: daemonLog,
            FAKE_INSTALLED: installed,
            ...env,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        if (signalAfterMs !== undefined) setTimeout(() => child.kill(signalAfterMs.signal), signalAfterMs.ms);
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    },
    read: (file) => readFileSync(file, 'utf8'),
  };
  return system;
}

/** `id -u` answering as root or as an ordinary user. */
export function stubUser(system: FakeSystem, uid: number): void {
  system.stub('id', `[ "$1" = "-u" ] && echo ${uid} && exit 0\necho "uid=${uid}"`, { record: false });
}

/**
 * `perl -MSome::Module -e1` succeeds when perl5/Some/Module.pm is beside the fake perl: apt-get's
 * libnet-epp-perl puts Net/EPP/Simple.pm there; installFakePerl() sets up a perl with or without it.
 */
const fakePerl = `#!/bin/sh
case $1 in -M*) [ -f "$(dirname "$0")/perl5/$(printf '%s' "\${1#-M}" | sed 's#::#/#g').pm" ] ;; *) exit 0 ;; esac`;

/** A perl on PATH (as the base system has) with the given modules (`Net::EPP::Simple`) installed. */
export function installFakePerl(system: FakeSystem, modules: readonly string[] = []): void {
  writeFileSync(path.join(system.installed, 'perl'), `${fakePerl}\n`);
  chmodSync(path.join(system.installed, 'perl'), 0o755);
  for (const module of modules) {
    const file = path.join(system.installed, 'perl5', `${module.replaceAll('::', '/')}.pm`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
  }
}

/**
 * apt-get as on Debian: `install` runs the maintainer scripts' service start through policy-rc.d
 * (exit 101 means "do not start"), then puts each package's files in place. FAKE_APT_FAIL makes it
 * fail like a broken mirror; FAKE_APT_NOOP makes it succeed without installing anything.
 */
export function stubAptGet(system: FakeSystem): void {
  const schema = path.join(system.sysroot, 'usr', 'share', 'pdns-backend-sqlite3', 'schema');
  const perlTemplate = path.join(system.dir, 'fake-perl');
  writeFileSync(perlTemplate, `${fakePerl}\n`);
  system.stub(
    'apt-get',
    `
[ "$1" = "update" ] && exit 0
if [ -n "\${FAKE_APT_FAIL:-}" ]; then echo "E: Unable to locate package pdns-server"; exit 100; fi
[ -n "\${FAKE_APT_SLEEP:-}" ] && sleep "$FAKE_APT_SLEEP"
[ -n "\${FAKE_APT_NOOP:-}" ] && exit 0
policy="$COUNTERSIGN_INSTALL_ROOT/usr/sbin/policy-rc.d"
for pkg in "$@"; do
  case $pkg in
    pdns-server)
      rc=0; [ -x "$policy" ] && { "$policy" pdns start >/dev/null 2>&1 || rc=$?; }
      [ -x "$policy" ] && [ "$rc" -eq 101 ] || echo "pdns" >>"$FAKE_DAEMON_LOG"
      printf '#!/bin/sh\\n' >"$FAKE_INSTALLED/pdns_server"; chmod +x "$FAKE_INSTALLED/pdns_server" ;;
    pdns-backend-sqlite3) mkdir -p "${schema}"; echo "CREATE TABLE domains (id INTEGER);" >"${schema}/schema.sqlite3.sql" ;;
    sqlite3) printf '#!/bin/sh\\n' >"$FAKE_INSTALLED/sqlite3"; chmod +x "$FAKE_INSTALLED/sqlite3" ;;
    dnsutils) printf '#!/bin/sh\\n' >"$FAKE_INSTALLED/dig"; chmod +x "$FAKE_INSTALLED/dig" ;;
    libxml2-utils) printf '#!/bin/sh\\n' >"$FAKE_INSTALLED/xmllint"; chmod +x "$FAKE_INSTALLED/xmllint" ;;
    libnet-epp-perl)
      cat "${perlTemplate}" >"$FAKE_INSTALLED/perl"; chmod +x "$FAKE_INSTALLED/perl"
      mkdir -p "$FAKE_INSTALLED/perl5/Net/EPP"; : >"$FAKE_INSTALLED/perl5/Net/EPP/Simple.pm" ;;
    openssl) printf '#!/bin/sh\\n' >"$FAKE_INSTALLED/openssl"; chmod +x "$FAKE_INSTALLED/openssl" ;;
    prometheus) printf '#!/bin/sh\\n' >"$FAKE_INSTALLED/prometheus"; chmod +x "$FAKE_INSTALLED/prometheus" ;;
  esac
done
exit 0`,
  );
}
