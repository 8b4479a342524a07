// Tells whether the compiled JavaScript in dist/ was built from exactly the TypeScript that is
// checked out now, so the installed command can never run a stale build. Plain CommonJS: the
// command reads it before it has loaded anything else.
'use strict';

var fs = require('node:fs');
var path = require('node:path');
var crypto = require('node:crypto');

/** The trees compiled into dist/: everything the command and the client SDK load at run time. */
var sourceTrees = ['src', 'activities', 'workers', 'workflows'];
var stampFile = path.join('dist', 'build-stamp.json');
/** The workflow code bundled at build time, for workers (written before the stamp). */
var workflowBundleFile = path.join('dist', 'workflow-bundle.js');

function sourceFiles(root) {
  var files = [];
  sourceTrees.forEach(function (tree) {
    var dir = path.join(root, tree);
    if (!fs.existsSync(dir)) return;
    fs.readdirSync(dir, { recursive: true, withFileTypes: true }).forEach(function (entry) {
      if (entry.isFile() && entry.name.endsWith('.ts')) {
        files.push(
          path
            .relative(root, path.join(entry.parentPath || entry.path, entry.name))
            .split(path.sep)
            .join('/'),
        );
      }
    });
  });
  return files.sort();
}

/** sha256 over every source file's path and bytes (about 5 ms for the whole project). */
function fingerprint(root) {
  var hash = crypto.createHash('sha256');
  sourceFiles(root).forEach(function (file) {
    hash.update(file + '\0');
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\0');
  });
  return hash.digest('hex');
}

/** { current: true, stamp } when dist/ matches the sources, else { current: false, reason }. */
function buildState(root) {
  var stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, stampFile), 'utf8'));
  } catch (err) {
    return { current: false, reason: 'no build (dist/build-stamp.json is missing)' };
  }
  if (!stamp || typeof stamp.fingerprint !== 'string') {
    return { current: false, reason: 'dist/build-stamp.json is not a build stamp' };
  }
  if (stamp.fingerprint !== fingerprint(root)) {
    return { current: false, reason: 'the sources changed since the last build' };
  }
  return { current: true, stamp: stamp };
}

module.exports = {
  sourceTrees: sourceTrees,
  sourceFiles: sourceFiles,
  fingerprint: fingerprint,
  buildState: buildState,
  stampFile: stampFile,
  workflowBundleFile: workflowBundleFile,
};
