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

var root = path.resolve(__dirname, '..');
var started = Date.now();
var dist = path.join(root, 'dist');
var stamp = path.join(root, fingerprinting.stampFile);

fs.rmSync(dist, { recursive: true, force: true });
var files = fingerprinting.sourceFiles(root);
var before = fingerprinting.fingerprint(root);
/**
 * Bundles the workflow code as workers load it (workers/workflow-bundle.ts, compiled just now), so
 * a worker that starts or restarts polls at once instead of bundling first. Resolves to the
 * Temporal SDK version it was bundled with, or null when it could not be: workers then bundle at
 * start, as before.
 */
function bundleWorkflows() {
  var file = path.join(root, fingerprinting.workflowBundleFile);
  // npm ci in the image runs this before the sources are copied in: nothing to bundle yet.
  if (!fs.existsSync(path.join(root, 'workflows', 'index.ts'))) return Promise.resolve(null);
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
    if (fingerprinting.fingerprint(root) !== before) {
      process.stderr.write(
        'countersign build: the sources changed during the build; run npm run build again.\n',
      );
      process.exit(1);
    }
    var compiled = Date.now();
    return bundleWorkflows().then(function (bundled) {
      var record = { fingerprint: before, files: files.length };
      if (bundled) record.workflowBundle = { sdk: bundled };
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
