#!/usr/bin/env node
// Runs the compiled CLI from dist/ when it was built from exactly the checked-out sources (npm
// install builds it), else the TypeScript source through tsx: never a stale build, fast whenever
// the build is current.
var problem = require('./require-node').nodeProblem(
  process.versions.node,
  require('../package.json').engines.node,
);
if (problem) {
  process.stderr.write('countersign: ' + problem + '\n');
  process.exit(8); // ExitCode.preconditionMissing
}
// Node 22.1+ keeps compiled code on disk between runs (the Temporal client alone is ~100 ms of
// compiling at every start); Node 20 has no such cache and skips this.
var nodeModule = require('node:module');
if (typeof nodeModule.enableCompileCache === 'function') nodeModule.enableCompileCache();
var path = require('node:path');
var fingerprinting = require('./source-fingerprint');
var build = fingerprinting.buildState(path.resolve(__dirname, '..'));
var cli;
if (build.current && build.stamp.commandBundle) {
  // One file with its code cache (bin/build.js); a missing cache is written on the way out.
  var codeCache = require('./code-cache');
  var loaded = codeCache.requireWithCodeCache(
    path.resolve(__dirname, '..', build.stamp.commandBundle),
    codeCache.cacheVariantFor(process.argv.slice(2)),
  );
  if (loaded.cacheMissing) process.once('exit', loaded.writeCache);
  cli = loaded.exports;
} else if (build.current) {
  cli = require('../dist/src/cli/main.js');
} else {
  require('tsx/cjs');
  cli = require('../src/cli/main.ts');
}
// From a current build, the command keeps the policies it parsed beside that build (the next
// build empties the folder; the entries name the build they came from).
var runtime = build.current
  ? {
      parsedPolicyCache: {
        dir: path.resolve(__dirname, '..', fingerprinting.policyCacheDir),
        buildId: build.stamp.fingerprint,
      },
    }
  : {};
cli.main(process.argv, runtime).catch((err) => {
  console.error(err);
  process.exit(1);
});
