// Tells whether the compiled JavaScript in dist/ was built from exactly the TypeScript that is
// checked out now, so the installed command can never run a stale build. Plain CommonJS: the
// command reads it before it has loaded anything else.
'use strict';

var fs = require('node:fs');
var path = require('node:path');

/** The trees compiled into dist/: everything the command and the client SDK load at run time. */
var sourceTrees = ['src', 'activities', 'workers', 'workflows'];
var stampFile = path.join('dist', 'build-stamp.json');
/** The workflow code bundled at build time, for workers (written before the stamp). */
var workflowBundleFile = path.join('dist', 'workflow-bundle.js');
/** Where the command keeps the policies it parsed (made by the build; activities/policy/parsed-policy-cache.ts). */
var policyCacheDir = path.join('dist', 'policy-cache');

function walk(root, visit) {
  sourceTrees.forEach(function (tree) {
    var dir = path.join(root, tree);
    if (!fs.existsSync(dir)) return;
    visit(tree, true);
    fs.readdirSync(dir, { recursive: true, withFileTypes: true }).forEach(function (entry) {
      var rel = path
        .relative(root, path.join(entry.parentPath || entry.path, entry.name))
        .split(path.sep)
        .join('/');
      if (entry.isDirectory()) visit(rel, true);
      else if (entry.isFile() && entry.name.endsWith('.ts')) visit(rel, false);
    });
  });
}

function sourceFiles(root) {
  var files = [];
  walk(root, function (rel, isDirectory) {
    if (!isDirectory) files.push(rel);
  });
  return files.sort();
}

/**
 * What changes with a file's bytes: size, modification and change times, and the inode when an
 * editor writes a new file in its place (a directory's size means nothing).
 */
function statLine(root, rel, isDirectory) {
  // Joined by hand: path.join normalizes each of ~300 paths, a few ms at every start.
  var file = root + path.sep + (path.sep === '/' ? rel : rel.split('/').join(path.sep));
  var info = fs.statSync(file, { throwIfNoEntry: false });
  if (info === undefined) return null;
  return [rel, isDirectory ? -1 : info.size, info.mtimeMs, info.ctimeMs, info.ino];
}

/**
 * The stat of every source directory and file, taken by the build before it fingerprints the
 * contents: while none of them changed, the sources are the ones built, and the command need not
 * read and hash them all at every start (~10 ms). A directory's times change when a file is added,
 * removed or renamed in it; a file's change time whenever its bytes do, even when a tool restores
 * its modification time.
 */
function sourceStats(root) {
  var lines = [];
  walk(root, function (rel, isDirectory) {
    lines.push(statLine(root, rel, isDirectory));
  });
  // A tree that appears later holds sources too.
  sourceTrees.forEach(function (tree) {
    if (!fs.existsSync(path.join(root, tree))) lines.push([tree, 'absent']);
  });
  return { takenAt: Date.now(), entries: lines };
}

/**
 * True when every recorded stat is unchanged and none is recent enough to hide a later change in
 * the same clock tick (files touched within 2 s of the stats, as on file systems with coarse
 * times): only then is reading the contents skipped.
 */
function statsUnchanged(root, stats) {
  if (!stats || !Array.isArray(stats.entries) || typeof stats.takenAt !== 'number') return false;
  return stats.entries.every(function (recorded) {
    if (!Array.isArray(recorded)) return false;
    if (recorded[1] === 'absent') return !fs.existsSync(path.join(root, recorded[0]));
    if (Math.max(recorded[2], recorded[3]) >= stats.takenAt - 2000) return false;
    var now = statLine(root, recorded[0], recorded[1] === -1);
    return (
      now !== null &&
      now[1] === recorded[1] &&
      now[2] === recorded[2] &&
      now[3] === recorded[3] &&
      now[4] === recorded[4]
    );
  });
}

/** sha256 over every source file's path and bytes (about 5 ms for the whole project). */
function fingerprint(root) {
  // Loaded here: a start whose stats are unchanged never needs it (~5 ms to load).
  var hash = require('node:crypto').createHash('sha256');
  sourceFiles(root).forEach(function (file) {
    hash.update(file + '\0');
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\0');
  });
  return hash.digest('hex');
}

/**
 * { current: true, stamp, checkedBy } when dist/ matches the sources (checked by their stats when
 * none changed, else by their contents), else { current: false, reason }.
 */
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
  if (statsUnchanged(root, stamp.sourceStats)) return { current: true, stamp: stamp, checkedBy: 'stats' };
  if (stamp.fingerprint !== fingerprint(root)) {
    return { current: false, reason: 'the sources changed since the last build' };
  }
  return { current: true, stamp: stamp, checkedBy: 'contents' };
}

module.exports = {
  sourceTrees: sourceTrees,
  sourceFiles: sourceFiles,
  fingerprint: fingerprint,
  sourceStats: sourceStats,
  buildState: buildState,
  stampFile: stampFile,
  workflowBundleFile: workflowBundleFile,
  policyCacheDir: policyCacheDir,
};
