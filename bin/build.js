#!/usr/bin/env node
// `npm run build` (and npm install's `prepare`): transpiles the TypeScript the command and the
// client SDK run into dist/ with esbuild, file by file (the project compiles with isolatedModules,
// so per-file transpiling means what tsc means; `npm run typecheck` checks the types). Writes the
// stamp last, so an interrupted build is never taken for a current one.
'use strict';

var fs = require('node:fs');
var path = require('node:path');
var esbuild = require('esbuild');
var fingerprinting = require('./source-fingerprint');
var commandBundles = require('./command-bundle');

var root = path.resolve(__dirname, '..');
var started = Date.now();
var dist = path.join(root, 'dist');
var stamp = path.join(root, fingerprinting.stampFile);
/** The command in one file (bundleCommand); the stamp names it relative to the package root. */
var commandBundle = 'dist/' + commandBundles.commandFile;
var policyCache = path.join(root, fingerprinting.policyCacheDir);

try {
  fs.rmSync(dist, { recursive: true, force: true });
} catch (err) {
  process.stderr.write(
    'countersign build: cannot remove the previous build in dist/ (' +
      (err && err.code ? err.code + ' ' : '') +
      (err && err.path ? err.path : '') +
      '); remove it as the user who owns it (e.g. rm -rf dist), then run npm run build again.\n',
  );
  process.exit(1);
}
var files = fingerprinting.sourceFiles(root);
// The image's first npm ci runs this before the sources are copied in (Dockerfile): nothing to
// build yet, and no stamp, so nothing is taken for a build; its later `node bin/build.js` builds.
if (files.length === 0) {
  process.stdout.write('countersign build: no sources here yet; nothing to build.\n');
  process.exit(0);
}
var before = fingerprinting.fingerprint(root);
/**
 * Bundles the workflow code as workers load it (workers/workflow-bundle.ts, compiled just now), so
 * a worker that starts or restarts polls at once instead of bundling first. Resolves to the
 * Temporal SDK version it was bundled with, or null when it could not be: workers then bundle at
 * start, as before.
 */
function bundleWorkflows() {
  var file = path.join(root, fingerprinting.workflowBundleFile);
  try {
    var bundler = require(path.join(dist, 'workers', 'workflow-bundle.js'));
    return bundler.writeWorkflowBundle(file).then(
      function () {
        return require('@temporalio/worker/package.json').version;
      },
      function (err) {
        return bundleFailed(err);
      },
    );
  } catch (err) {
    return Promise.resolve(bundleFailed(err));
  }
}

/**
 * The command bundled (dist/cli.js, with the Temporal stack in dist/cli-temporal.js: see
 * bin/command-bundle.js) and their code caches: resolving and reading some 700 module files costs
 * ~40 ms at every start, compiling them ~100 ms more on Node 20. Packages
 * only the evidence commands load (the Temporal worker with its native core, the S3 client) stay
 * outside, and so do the project's modules that find files at run time with require.resolve: they
 * load from their per-file build beside the bundle. Resolves to false when it could not be made;
 * the command then runs the per-file build.
 */
function bundleCommand() {
  var locatesFiles = /require\.resolve\(\s*['"]\./;
  var perFile = {
    name: 'modules-that-locate-files-stay-per-file',
    setup: function (build) {
      build.onResolve({ filter: /^\.\.?\// }, function (args) {
        if (args.importer.indexOf(path.sep + 'node_modules' + path.sep) !== -1) return undefined;
        var base = path.resolve(args.resolveDir, args.path);
        var source = [base + '.ts', path.join(base, 'index.ts')].find(function (file) {
          return fs.existsSync(file);
        });
        if (source === undefined || !locatesFiles.test(fs.readFileSync(source, 'utf8'))) return undefined;
        var compiled = path.relative(root, source).replace(/\.ts$/, '.js').split(path.sep).join('/');
        return { path: './' + compiled, external: true };
      });
    },
  };
  return commandBundles
    .bundleCommandAndCompanion(esbuild, root, dist, perFile)
    .then(function (bundles) {
      [bundles.command, bundles.companion].forEach(function (file) {
        if (/[^\x00-\x7f]/.test(fs.readFileSync(file, 'latin1')))
          throw new Error(path.relative(root, file) + ' is not ASCII, and the command reads it as such');
      });
      // The whole cache first: its run leaves the shipped policy parsed, which the light cache's
      // run then reads back, so that cache holds no YAML parser (see bin/code-cache.js).
      [undefined, 'light'].forEach(function (variant) {
        var warmed = require('node:child_process').spawnSync(
          process.execPath,
          [path.join(__dirname, 'code-cache.js'), path.join(root, commandBundle), policyCache, before].concat(
            variant === undefined ? [] : [variant],
          ),
          { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
        );
        if (warmed.status !== 0)
          throw new Error('loading the bundle failed: ' + warmed.stderr.trim().split('\n')[0]);
      });
      return true;
    })
    .catch(function (err) {
      fs.rmSync(path.join(root, commandBundle), { force: true });
      fs.rmSync(path.join(dist, commandBundles.companionFile), { force: true });
      process.stderr.write(
        'countersign build: the command could not be bundled (' +
          (err && err.message ? err.message.split('\n')[0] : String(err)) +
          '); it runs from the per-file build instead, only slower to start.\n',
      );
      return false;
    });
}

function exitIfSourcesChanged() {
  if (fingerprinting.fingerprint(root) === before) return;
  process.stderr.write('countersign build: the sources changed during the build; run npm run build again.\n');
  process.exit(1);
}

function bundleFailed(err) {
  process.stderr.write(
    'countersign build: the workflow code could not be bundled ahead of time (' +
      (err && err.message ? err.message.split('\n')[0] : String(err)) +
      '); workers bundle it when they start instead.\n',
  );
  return null;
}

esbuild
  .build({
    absWorkingDir: root,
    entryPoints: files,
    outdir: 'dist',
    outbase: '.',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  })
  .then(function () {
    // Sources edited while the build ran would make this build a mix; leave it unstamped.
    exitIfSourcesChanged();
    // The folder the command keeps parsed policies in, made by the build and owned by its user
    // (the command uses no other); the code caches' warm-up fills it with the shipped policy.
    fs.mkdirSync(policyCache, { recursive: true, mode: 0o755 });
    fs.chmodSync(policyCache, 0o755);
    var compiled = Date.now();
    return Promise.all([bundleWorkflows(), bundleCommand()]).then(function (results) {
      var bundled = results[0];
      // The stats the command checks, taken again now, seconds after the first ones: files a
      // checkout or an editor wrote just before the build are too recent in the first ones for the
      // command to trust their stats (source-fingerprint.js), and every start would then hash all
      // the sources (~15 ms). Taken before the check below, so an edit after them still shows.
      var settledStats = fingerprinting.sourceStats(root);
      // The bundles read the sources again: an edit made while they were made could be in them.
      exitIfSourcesChanged();
      var record = { fingerprint: before, files: files.length, sourceStats: settledStats };
      if (bundled) record.workflowBundle = { sdk: bundled };
      if (results[1]) record.commandBundle = commandBundle;
      fs.writeFileSync(stamp + '.tmp', JSON.stringify(record) + '\n');
      fs.renameSync(stamp + '.tmp', stamp);
      process.stdout.write(
        'countersign build: ' +
          files.length +
          ' files compiled into dist/ in ' +
          (compiled - started) +
          ' ms' +
          (bundled ? ', the workflow code bundled in ' + (Date.now() - compiled) + ' ms' : '') +
          '\n',
      );
    });
  })
  .catch(function (err) {
    process.stderr.write(
      'countersign build: esbuild could not compile the sources (' +
        (err && err.message ? err.message.split('\n')[0] : String(err)) +
        '). The command still works from source, only slower; fix the error above and run npm run build.\n',
    );
    process.exit(1);
  });
