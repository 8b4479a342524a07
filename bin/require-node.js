#!/usr/bin/env node
// Runs before anything else in the project's commands, in syntax old Node versions still parse, so
// an unsupported Node gets one clear paragraph instead of a syntax error or a stack trace later.
'use strict';

/** Why `actual` does not satisfy a ">=X.Y[.Z]" range, or null when it does. */
function nodeProblem(actual, range) {
  var wanted = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(range).trim());
  var have = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(actual));
  if (!wanted) return 'package.json engines.node is "' + range + '", which this check does not understand';
  if (!have) return 'the Node version "' + actual + '" could not be read';
  for (var i = 1; i <= 3; i++) {
    var w = Number(wanted[i] || 0);
    var h = Number(have[i]);
    if (h > w) return null;
    if (h < w) {
      return (
        'this is Node ' +
        have[0].replace(/^v/, '') +
        ', and countersign needs Node ' +
        range +
        ' (package.json "engines"). Install a current Node 20 or 22 LTS ' +
        '(https://nodejs.org/en/download, or nvm install 22), then run npm install and the command again.'
      );
    }
  }
  return null;
}

module.exports = { nodeProblem: nodeProblem };

if (require.main === module) {
  var range = require('../package.json').engines.node;
  var problem = nodeProblem(process.versions.node, range);
  if (problem) {
    process.stderr.write('countersign: ' + problem + '\n');
    process.exit(8); // ExitCode.preconditionMissing in src/cli/exit-codes.ts
  }
}
