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
var build = require('./source-fingerprint').buildState(root);
if (build.current) {
  require(path.join(root, 'dist', entry + '.js'));
} else {
  require('tsx/cjs');
  require(path.join(root, entry + '.ts'));
}
