#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the installed command is always the checked-in source.
var problem = require('./require-node').nodeProblem(
  process.versions.node,
  require('../package.json').engines.node,
);
if (problem) {
  process.stderr.write('countersign: ' + problem + '\n');
  process.exit(8); // ExitCode.preconditionMissing
}
require('tsx/cjs');
require('../src/cli/main.ts')
  .main(process.argv)
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
