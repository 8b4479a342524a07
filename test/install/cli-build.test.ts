import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prebuiltWorkflowBundle } from '../../workers/prebuilt-bundle';

// Plain CommonJS shared with bin/countersign.js; typed here by what the test uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fingerprinting = require('../../bin/source-fingerprint.js') as {
  buildState(
    root: string,
  ):
    | { current: true; stamp: { commandBundle?: string }; checkedBy: 'stats' | 'contents' }
    | { current: false; reason: string };
  sourceTrees: string[];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const codeCache = require('../../bin/code-cache.js') as {
  cacheFileFor(bundle: string, variant?: string): string;
  cacheVariantFor(args: string[]): string | undefined;
};

const projectRoot = path.resolve(__dirname, '..', '..');
/** The command's bundle and its companion, the Temporal stack (bin/command-bundle.js). */
const bundles = [
  path.join(projectRoot, 'dist', 'cli.js'),
  path.join(projectRoot, 'dist', 'cli-temporal.js'),
] as const;

/** What a fresh `countersign <args>` process loaded: bundle and package files, and Node's modules. */
function commandLoads(args: string[]): { files: string[]; builtins: string[] } {
  const run = spawnSync(
    process.execPath,
    [
      '-e',
      `process.argv.splice(1, 0, 'countersign');
       process.on('exit', () => process.stderr.write('\\nloaded: ' + JSON.stringify({
         files: Object.keys(require.cache).filter((f) => f.includes('node_modules') || f.endsWith('.js') && f.includes('dist')).map((f) => require('node:path').relative(${JSON.stringify(projectRoot)}, f)),
         builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)),
       })));
       require(${JSON.stringify(path.join(projectRoot, 'bin', 'countersign.js'))});`,
      '--',
      ...args,
    ],
    { encoding: 'utf8', env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:9' } },
  );
  const line = run.stderr.split('\n').find((l) => l.startsWith('loaded: '));
  assert.ok(line !== undefined, run.stderr);
  return JSON.parse(line.slice('loaded: '.length)) as { files: string[]; builtins: string[] };
}

describe('the compiled command', () => {
  it('is current in this checkout (npm install and npm test build it)', () => {
    const state = fingerprinting.buildState(projectRoot);
    assert.ok(state.current, 'dist/ is not the build of these sources: run npm run build');
  });

  it('is two ASCII files with code caches this Node accepts, the modules that locate files beside them', () => {
    const state = fingerprinting.buildState(projectRoot);
    assert.ok(state.current);
    assert.equal(state.stamp.commandBundle, 'dist/cli.js');
    for (const bundle of bundles) {
      assert.doesNotMatch(readFileSync(bundle, 'latin1'), /[^\x00-\x7f]/);
      assert.ok(
        readFileSync(codeCache.cacheFileFor(bundle)).length > 100_000,
        `${bundle}: the code cache is too small`,
      );
    }
    // A fresh process: both caches must be taken, and every everyday command's module must load
    // (the Temporal client from the companion, with the modules it takes from the command).
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `const cache = require(${JSON.stringify(path.join(projectRoot, 'bin', 'code-cache.js'))});
         const l = cache.requireWithCodeCache(${JSON.stringify(bundles[0])});
         l.exports.loadEveryCommandModule();
         process.stdout.write(JSON.stringify({ used: l.cacheUsed, companion: cache.companionState(${JSON.stringify(bundles[1])}) }));`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(probe.status, 0, probe.stderr);
    assert.deepEqual(JSON.parse(probe.stdout), { used: true, companion: { loaded: true, cacheUsed: true } });
    // `policy explain` and the help load the bundle with the light cache of what they compile.
    const lightCache = readFileSync(codeCache.cacheFileFor(bundles[0], 'light')).length;
    assert.ok(lightCache > 100_000, `the light cache is too small: ${lightCache} bytes`);
    assert.ok(lightCache < readFileSync(codeCache.cacheFileFor(bundles[0])).length);
    const lightProbe = spawnSync(
      process.execPath,
      [
        '-e',
        `const l = require(${JSON.stringify(path.join(projectRoot, 'bin', 'code-cache.js'))}).requireWithCodeCache(${JSON.stringify(bundles[0])}, 'light');
         process.stdout.write(JSON.stringify(l.cacheUsed));`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(lightProbe.stdout, 'true', lightProbe.stderr);
    // Modules that find files with require.resolve stay per-file (a path resolved inside the bundle
    // would point nowhere); each one the bundle names exists beside it.
    const text = readFileSync(bundles[0], 'latin1');
    assert.doesNotMatch(text, /require\.resolve\("\./);
    const perFile = [...text.matchAll(/require\("(\.\/[^"]+)"\)/g)].map((m) => m[1] ?? '');
    assert.ok(perFile.includes('./activities/evidence/verify-evidence.js'), perFile.join(', '));
    for (const file of perFile)
      assert.ok(readFileSync(path.join(projectRoot, 'dist', file)).length > 0, file);
  });

  it('picks the light cache for policy explain and the help alone, wherever the global options stand', () => {
    const cases: [string[], string | undefined][] = [
      [['policy', 'explain', 'rec.json'], 'light'],
      [['--json', 'policy', 'explain', '-'], 'light'],
      [['policy', 'explain', '--policy', 'p.yaml', 'rec.json'], 'light'],
      [['--help'], 'light'],
      [[], 'light'],
      [['help'], 'light'],
      [['policy', 'check'], undefined],
      [['status', 'explain'], undefined],
      [['status', '--help'], undefined],
    ];
    for (const [args, variant] of cases)
      assert.equal(codeCache.cacheVariantFor(args), variant, args.join(' '));
  });

  it('loads the Temporal stack only for the commands that talk to Temporal', () => {
    const explainArgs = ['policy', 'explain', path.join(projectRoot, 'examples', 'production-api-a.json')];
    assert.deepEqual(commandLoads(explainArgs).files, ['dist/cli.js']);
    assert.deepEqual(commandLoads(['--help']).files, ['dist/cli.js']);
    // A command that talks to Temporal loads the companion (and fails to connect: nothing listens).
    assert.deepEqual(commandLoads(['status', 'some-change']).files, ['dist/cli.js', 'dist/cli-temporal.js']);
  });

  it('loads neither child_process nor crypto for --help and policy explain (bin/command-bundle-trims.js)', () => {
    // commander asks for child_process (and with it net and the streams) at its first line, and
    // @noble/hashes for crypto, both for what these commands never do (run a subcommand's file,
    // make random bytes): the bundle gives each a stand-in that loads the module on first use.
    for (const args of [
      ['--help'],
      ['policy', 'explain', path.join(projectRoot, 'examples', 'production-api-a.json')],
    ]) {
      const { builtins } = commandLoads(args);
      assert.ok(builtins.includes('fs/promises'), `${args.join(' ')}: ${builtins.join(', ')}`);
      for (const module of ['child_process', 'crypto'])
        assert.ok(!builtins.includes(module), `${args.join(' ')} loaded ${module}`);
    }
    const text = readFileSync(bundles[0], 'latin1');
    assert.match(text, /require\("node:crypto"\)\.webcrypto\.getRandomValues\(/);
    assert.match(text, /require\("node:child_process"\);\s*return \w+\.spawn\.apply/);
  });

  it('reflects the Temporal API without the Cloud operations and the worker core messages', () => {
    const text = readFileSync(bundles[1], 'latin1');
    // The API's JSON as the bundle writes it (minified: keys without quotes).
    assert.match(text, /[{,]workflowservice:\{nested:/);
    assert.doesNotMatch(text, /[{,]"?cloudservice"?:\{/);
    assert.doesNotMatch(text, /[{,]"?coresdk"?:\{/);
  });

  it('holds one copy of each package module, however the sources load it', () => {
    // A package with CommonJS and ESM builds lands twice when one file requires it and another
    // imports it: twice the start-up work, and two module states (a setting made in one copy is
    // not seen by the other).
    // Across both bundles: the companion takes the modules the command holds from the command.
    const modules = bundles
      .flatMap((bundle) => [...readFileSync(bundle, 'latin1').matchAll(/"(node_modules\/[^"]+)"\(/g)])
      .map((m) => (m[1] ?? '').replace(/\.[cm]?js$/, ''));
    assert.ok(
      modules.some((m) => m.startsWith('node_modules/zod/')),
      'zod is not in the bundle',
    );
    assert.ok(
      modules.some((m) => m.startsWith('node_modules/@temporalio/client/')),
      'the Temporal client is not in the bundles',
    );
    const twice = modules.filter((m, i) => modules.indexOf(m) !== i);
    assert.deepEqual(twice, []);
  });

  it("holds zod's English messages and none of its other languages", () => {
    const locales = [
      ...readFileSync(bundles[0], 'latin1').matchAll(/"node_modules\/zod\/v4\/locales\/([^"]+)"/g),
    ]
      .map((m) => m[1])
      .sort();
    assert.deepEqual(locales, ['en.js']);
  });

  it('bundled the workflow code for workers, so a worker polls without bundling first', () => {
    const prebuilt = prebuiltWorkflowBundle(projectRoot);
    assert.ok('path' in prebuilt, 'reason' in prebuilt ? prebuilt.reason : '');
    assert.ok(
      readFileSync(prebuilt.path).length > 1_000_000,
      'the bundle is too small to hold the workflows',
    );
    assert.match(readFileSync(prebuilt.path, 'utf8'), /changeWorkflow/);
  });

  it('bundled it lean: English zod, and a source map of source lines without the sources (workers/workflow-bundle.ts)', () => {
    const prebuilt = prebuiltWorkflowBundle(projectRoot);
    assert.ok('path' in prebuilt, 'reason' in prebuilt ? prebuilt.reason : '');
    const text = readFileSync(prebuilt.path, 'utf8');
    const locales = [
      ...new Set([...text.matchAll(/node_modules\/zod\/v4\/locales\/([\w-]+\.c?js)/g)].map((m) => m[1])),
    ];
    assert.deepEqual(locales, ['en.cjs']);
    const mapAt = text.lastIndexOf('//# sourceMappingURL=data:application/json');
    assert.ok(mapAt > 0, 'the bundle keeps an inline source map: workflow stack traces name source lines');
    const map = JSON.parse(Buffer.from(text.slice(mapAt).split('base64,')[1] ?? '', 'base64').toString()) as {
      sources: string[];
      sourcesContent?: unknown[];
      mappings: string;
    };
    assert.ok(map.sources.some((s) => s.endsWith('workflows/change-workflow.ts')));
    assert.equal(map.sourcesContent, undefined, 'the map carries no copy of the sources');
    // Line mappings only: no segment of a line starts past its first column.
    const segments = map.mappings.split(';').filter(Boolean);
    assert.ok(segments.length > 10_000, `${segments.length} mapped lines`);
    assert.ok(
      segments.every((line) => !line.includes(',')),
      'one segment per bundle line',
    );
  });

  it('has a compiled file for every source file it fingerprints', () => {
    const stamp = JSON.parse(readFileSync(path.join(projectRoot, 'dist', 'build-stamp.json'), 'utf8')) as {
      files: number;
    };
    const sources = execFileSync(
      'git',
      ['ls-files', '--', ...fingerprinting.sourceTrees.map((t) => `${t}/*.ts`)],
      {
        cwd: projectRoot,
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter((f) => f !== '');
    assert.ok(stamp.files >= sources.length, `${stamp.files} compiled, ${sources.length} tracked sources`);
    for (const file of sources) {
      const compiled = path.join(projectRoot, 'dist', file.replace(/\.ts$/, '.js'));
      assert.ok(readFileSync(compiled).length > 0, `${compiled} is empty`);
    }
  });
});

describe('the build before the sources are there', () => {
  it("succeeds and builds nothing, as the image's first npm ci runs it (Dockerfile)", () => {
    const bare = mkdtempSync(path.join(tmpdir(), 'countersign-no-sources-'));
    try {
      for (const entry of ['bin', 'package.json'])
        cpSync(path.join(projectRoot, entry), path.join(bare, entry), { recursive: true });
      symlinkSync(path.join(projectRoot, 'node_modules'), path.join(bare, 'node_modules'));
      const run = spawnSync(process.execPath, [path.join(bare, 'bin', 'build.js')], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /no sources here yet; nothing to build/);
      assert.equal(fingerprinting.buildState(bare).current, false);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

/**
 * A copy of the project (sources, bin, package.json; node_modules linked) where the test edits
 * sources, to prove that the command never runs a build older than its sources.
 */
describe('the command in a copy whose sources change', () => {
  let copy: string;
  const help = () => {
    const run = spawnSync(process.execPath, [path.join(copy, 'bin', 'countersign.js'), '--help'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout;
  };
  const build = () =>
    execFileSync(process.execPath, [path.join(copy, 'bin', 'build.js')], { encoding: 'utf8' });
  const state = () => fingerprinting.buildState(copy);
  const mainSource = () => path.join(copy, 'src', 'cli', 'main.ts');
  /** Marks the compiled help text, in the per-file build and in the bundle: only a build can print it. */
  const markBuild = () => {
    for (const compiled of [
      path.join(copy, 'dist', 'src', 'cli', 'main.js'),
      path.join(copy, 'dist', 'cli.js'),
    ])
      writeFileSync(
        compiled,
        readFileSync(compiled, 'latin1').replace(/Govern AI-proposed|EDITED Govern/, 'COMPILED Govern'),
        'latin1',
      );
  };
  /** The cache `--help` loads the bundle with (the light one, see bin/code-cache.js). */
  const cacheFile = () => codeCache.cacheFileFor(path.join(copy, 'dist', 'cli.js'), 'light');

  before(() => {
    copy = mkdtempSync(path.join(tmpdir(), 'countersign-build-'));
    for (const entry of [...fingerprinting.sourceTrees, 'bin', 'policies', 'package.json'])
      cpSync(path.join(projectRoot, entry), path.join(copy, entry), { recursive: true });
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(copy, 'node_modules'));
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  it('builds, says how long it took, and then runs the build', () => {
    assert.match(
      build(),
      /countersign build: \d+ files compiled into dist\/ in \d+ ms, the workflow code bundled in \d+ ms/,
    );
    // The sources were written just before this build, as a checkout writes them before npm
    // install builds: the command still trusts their stats, and does not hash them at each start.
    const built = state();
    assert.ok(built.current && built.checkedBy === 'stats', JSON.stringify(built));
    assert.deepEqual(prebuiltWorkflowBundle(copy), { path: path.join(copy, 'dist', 'workflow-bundle.js') });
    markBuild();
    assert.match(help(), /COMPILED Govern/);
  });

  it('writes a missing code cache on its first run, and runs past a cache V8 refuses without rewriting it', () => {
    build();
    rmSync(cacheFile());
    assert.match(help(), /Govern AI-proposed DNS changes/);
    assert.ok(readFileSync(cacheFile()).length > 10_000, 'the first run wrote no cache');
    const refused = Buffer.from('not a V8 code cache');
    writeFileSync(cacheFile(), refused);
    assert.match(help(), /Govern AI-proposed DNS changes/);
    assert.deepEqual(readFileSync(cacheFile()), refused);
  });

  const edits: [string, () => void][] = [
    [
      'an edited source file',
      () =>
        writeFileSync(
          mainSource(),
          readFileSync(mainSource(), 'utf8').replace('Govern AI-proposed DNS changes', 'EDITED Govern'),
        ),
    ],
    [
      'a new source file',
      () => writeFileSync(path.join(copy, 'src', 'added-later.ts'), 'export const x = 1;\n'),
    ],
    ['a deleted source file', () => unlinkSync(path.join(copy, 'src', 'added-later.ts'))],
    ['a missing stamp', () => rmSync(path.join(copy, 'dist', 'build-stamp.json'))],
  ];
  for (const [what, edit] of edits) {
    it(`runs the source, not the build, after ${what}`, () => {
      build();
      markBuild();
      edit();
      assert.equal(state().current, false);
      // Nor does a worker start from the stale workflow bundle.
      assert.ok('reason' in prebuiltWorkflowBundle(copy));
      const out = help();
      assert.doesNotMatch(out, /COMPILED Govern/, 'the stale build ran');
      assert.match(out, /Govern AI-proposed DNS changes|EDITED Govern/);
    });
  }

  it('checks only the stats of unchanged sources, and still sees edits that keep a size and a time', async () => {
    // Sources last touched well before the build, as in any checkout nobody is editing this second.
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const tree of fingerprinting.sourceTrees) {
      const dir = path.join(copy, tree);
      for (const entry of readdirSync(dir, { recursive: true }))
        utimesSync(path.join(dir, String(entry)), hourAgo, hourAgo);
      utimesSync(dir, hourAgo, hourAgo);
    }
    await new Promise((resolve) => setTimeout(resolve, 2100)); // their change times, too
    build();
    const clean = state();
    assert.ok(clean.current && clean.checkedBy === 'stats', JSON.stringify(clean));
    // The same size and modification time, other bytes: only the change time tells.
    const text = readFileSync(mainSource(), 'utf8');
    const before = statSync(mainSource());
    const edited = text.replace('Govern', 'GOVERN');
    assert.notEqual(edited, text);
    writeFileSync(mainSource(), edited);
    utimesSync(mainSource(), before.atime, before.mtime);
    assert.equal(statSync(mainSource()).size, before.size);
    assert.equal(state().current, false);
    writeFileSync(mainSource(), text);
    // A file in a folder that did not exist: its parent's times tell (checked by stats again once
    // the restored file is older than the 2 s window).
    utimesSync(mainSource(), hourAgo, hourAgo);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    build();
    const rebuilt = state();
    assert.ok(rebuilt.current && rebuilt.checkedBy === 'stats', JSON.stringify(rebuilt));
    mkdirSync(path.join(copy, 'src', 'later'));
    writeFileSync(path.join(copy, 'src', 'later', 'added.ts'), 'export const y = 2;\n');
    try {
      assert.equal(state().current, false);
    } finally {
      rmSync(path.join(copy, 'src', 'later'), { recursive: true });
    }
  });

  it('keeps the policies it parsed beside its build, and parses an edited one again', () => {
    build();
    const cacheDir = path.join(copy, 'dist', 'policy-cache');
    // The build leaves the shipped policy parsed (its code caches' warm-up explained a sample).
    const shipped = readdirSync(cacheDir);
    assert.equal(shipped.length, 1);
    assert.match(readFileSync(path.join(cacheDir, shipped[0] ?? ''), 'utf8'), /policies\/default\.yaml/);
    const policy = path.join(copy, 'edited-policy.yaml');
    writeFileSync(policy, readFileSync(path.join(copy, 'policies', 'default.yaml'), 'utf8'));
    const check = () =>
      spawnSync(process.execPath, [path.join(copy, 'bin', 'countersign.js'), 'policy', 'check', policy], {
        encoding: 'utf8',
      });
    const first = check();
    assert.equal(first.status, 0, first.stderr);
    assert.equal(readdirSync(cacheDir).length, 2);
    assert.equal(check().stdout, first.stdout);
    writeFileSync(policy, readFileSync(policy, 'utf8').replace(/^roles:/m, 'rolez:'));
    const edited = check();
    assert.equal(edited.status, 2, edited.stderr);
    assert.match(edited.stderr, /edited-policy\.yaml:\d+:\d+: .*rolez/);
    // The next build starts a folder of its own, writable by its owner alone, with nothing in it
    // but the shipped policy it parsed.
    build();
    assert.deepEqual(readdirSync(cacheDir), shipped);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o755);
  });

  it('compiles the edit on the next build, and runs it', () => {
    build();
    assert.equal(state().current, true);
    assert.match(help(), /EDITED Govern/);
  });

  it('never starts a worker from a bundle made with another Temporal SDK', () => {
    const stampPath = path.join(copy, 'dist', 'build-stamp.json');
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { workflowBundle: { sdk: string } };
    writeFileSync(
      stampPath,
      JSON.stringify({ ...stamp, workflowBundle: { ...stamp.workflowBundle, sdk: '0.0.1' } }),
    );
    const prebuilt = prebuiltWorkflowBundle(copy);
    assert.ok('reason' in prebuilt);
    assert.match(prebuilt.reason, /made with Temporal SDK 0\.0\.1, \d+\.\d+\.\d+ is installed/);
    build();
    assert.ok('path' in prebuiltWorkflowBundle(copy));
  });

  it('starts workers compiled when the build is current, from the source when it is not (bin/run-entry.js)', () => {
    // Without its API key the worker stops at once, naming the file it ran in its stack trace.
    const ran = () => {
      const run = spawnSync(
        process.execPath,
        [path.join(copy, 'bin', 'run-entry.js'), 'workers/harness-worker', '--standby'],
        { encoding: 'utf8', env: { ...process.env, COUNTERSIGN_PDNS_API_KEY: '' } },
      );
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /harness-worker: Error: COUNTERSIGN_PDNS_API_KEY is not set/);
      return run.stderr;
    };
    build();
    assert.match(ran(), /dist\/workers\/harness-worker\.js/);
    const source = path.join(copy, 'workers', 'harness-worker.ts');
    const text = readFileSync(source, 'utf8');
    writeFileSync(source, `${text}\n// edited\n`);
    try {
      assert.match(ran(), /workers\/harness-worker\.ts/);
      assert.doesNotMatch(ran(), /dist\/workers/);
    } finally {
      writeFileSync(source, text);
    }
    for (const bad of ['', '/etc/passwd', '../outside', 'workers/main.ts']) {
      const run = spawnSync(process.execPath, [path.join(copy, 'bin', 'run-entry.js'), bad], {
        encoding: 'utf8',
      });
      assert.equal(run.status, 2, `"${bad}" was accepted`);
      assert.match(run.stderr, /^usage: node bin\/run-entry\.js <entry>/);
    }
  });

  it('finds the shipped policy from the compiled code (one folder deeper than the source)', () => {
    const run = spawnSync(process.execPath, [path.join(copy, 'bin', 'countersign.js'), 'policy', 'check'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^policy \S+ \(\d+ rules, hash [0-9a-f]{16}\): valid/);
  });
});
