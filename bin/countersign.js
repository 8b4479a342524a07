#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the installed command is always the checked-in source.
require('tsx/cjs');
require('../src/cli/main.ts')
  .main(process.argv)
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
