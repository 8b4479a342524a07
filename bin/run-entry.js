#!/usr/bin/env node
// `node bin/run-entry.js workers/main [args]`: runs dist/workers/main.js when dist/ was built from
// exactly the checked-out sources (npm install builds it), else workers/main.ts through tsx: never
// a stale build, and a process that starts (or restarts after a crash) without compiling first.
'use strict';

var path = require('node:path');
var root = path.resolve(__dirname, '..');
var entry = process.argv[2];
if (!entry || path.isAbsolute(entry) || entry.indexOf('..') !== -1 || /\.[cm]?[jt]s$/.test(entry)) {
  process.stderr.write(
    'usage: node bin/run-entry.js <entry> [args]  (entry: a source path without extension, such as workers/main)\n',
  );
  process.exit(2);
}
// The entry reads its own arguments from process.argv[2] on, as if started directly.
process.argv.splice(2, 1);
// Node 22.1+ keeps compiled code on disk between runs; Node 20 has no such cache and skips this.
var nodeModule = require('node:module');
if (typeof nodeModule.enableCompileCache === 'function') nodeModule.enableCompileCache();
var fs = require('node:fs');
var fingerprinting = require('./source-fingerprint');
var source = path.join(root, entry + '.ts');
if (!fs.existsSync(source)) {
  process.stderr.write(
    'run-entry: ' +
      entry +
      '.ts does not exist; name a source file without its extension, such as workers/main\n',
  );
  process.exit(2);
}
var compiled = path.join(root, 'dist', entry + '.js');
var build = fingerprinting.buildState(root);
var inBuild = fingerprinting.sourceTrees.indexOf(entry.split('/')[0]) !== -1;
if (build.current && inBuild && fs.existsSync(compiled)) {
  require(compiled);
} else {
  // Only for a folder the build compiles: elsewhere (scripts, bench) tsx is the normal way.
  if (inBuild)
    process.stderr.write(
      'run-entry: running ' +
        entry +
        '.ts through tsx (' +
        (build.current ? 'not in the build' : build.reason) +
        '); npm run build makes it start faster\n',
    );
  require('tsx/cjs');
  require(source);
}
