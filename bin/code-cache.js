// Loads the bundled command (dist/cli.js) with V8's code cache, the way Node 22's module compile
// cache would: Node 20 compiles the Temporal client, protobufjs and zod again at every start
// (~100 ms), a cost an approver pays on every command. The cache is written by the build after
// loading every module a command can load (so it holds their compiled functions, not just the
// top level), one file per bundle, Node version and architecture, and written on first use when
// missing.
// A cache V8 refuses (other V8 flags, say from NODE_OPTIONS) is left alone: rewriting it would
// make runs with and without those flags undo each other's cache. Plain CommonJS: the
// command loads it before anything else.
'use strict';

var fs = require('node:fs');
var path = require('node:path');
var vm = require('node:vm');
var Module = require('node:module');

/**
 * Where a bundle's cache for this Node lives; V8 refuses a cache from another version or flag set.
 * A variant is a cache of what one command compiles (see cacheVariantFor).
 */
function cacheFileFor(bundle, variant) {
  return path.join(
    path.dirname(bundle),
    'cli-code-cache',
    path.basename(bundle, '.js') +
      (variant ? '.' + variant : '') +
      '-' +
      process.version +
      '-' +
      process.arch +
      '-' +
      process.versions.v8 +
      '.bin',
  );
}

/**
 * The cache a command loads the bundle with: the light one, of what `policy explain` and the help
 * compile, for those (two thirds the size of the whole cache, so less for V8 to deserialize at each
 * start, a large fixed cost of the command's), the whole one for every other. A cache only changes
 * how fast the command starts: V8 compiles whatever a cache lacks.
 */
function cacheVariantFor(args) {
  var words = args.filter(function (a) {
    return !a.startsWith('-');
  });
  var light = words.length === 0 || words[0] === 'help' || (words[0] === 'policy' && words[1] === 'explain');
  return light ? 'light' : undefined;
}

function writeCache(file, script) {
  // A name of its own: two first runs at once must not write into one file.
  var partial = file + '.' + process.pid + '.tmp';
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, file);
  } catch (err) {
    // A read-only install runs without the cache, only slower.
    try {
      fs.unlinkSync(partial);
    } catch (ignored) {
      // nothing was written
    }
  }
}

/**
 * require() of a CommonJS file through vm.Script with cached data. The file must be ASCII (the
 * build bundles it so and checks): it is read as one-byte text, much faster than decoding UTF-8.
 * Returns its exports and a function that writes the cache from everything compiled so far.
 */
function requireWithCodeCache(bundle, variant) {
  var file = path.resolve(bundle);
  var cacheFile = cacheFileFor(file, variant);
  var cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch (err) {
    cachedData = undefined;
  }
  var options = { filename: file, cachedData: cachedData };
  if (vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER) {
    options.importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  }
  var script = new vm.Script(Module.wrap(fs.readFileSync(file, 'latin1')), options);
  var mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  Module._cache[file] = mod;
  script
    .runInThisContext()
    .call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return {
    exports: mod.exports,
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    cacheMissing: cachedData === undefined,
    writeCache: function () {
      writeCache(cacheFile, script);
    },
  };
}

/** Companion bundles loaded so far, by file: each is loaded once per process. */
var companions = new Map();

/**
 * The loader of a module the command's bundle leaves to a companion bundle (bin/command-bundle.js):
 * the first call loads the companion with its own code cache and connects it to the command's
 * bundle, from which it takes the modules both use. Returns a function from module key to exports.
 */
function companion(commandFile, name) {
  var file = path.join(path.dirname(commandFile), name);
  var loaded = companions.get(file);
  if (loaded === undefined) {
    var command = Module._cache[commandFile];
    if (command === undefined) throw new Error(name + ' was asked for before ' + commandFile + ' was loaded');
    loaded = requireWithCodeCache(file);
    loaded.exports.connect(function (key) {
      return command.exports.companionShared(key);
    });
    if (loaded.cacheMissing) process.once('exit', loaded.writeCache);
    companions.set(file, loaded);
  }
  return loaded.exports.load;
}

/** Whether a companion was loaded in this process, and with its cache (the build's tests ask). */
function companionState(file) {
  var loaded = companions.get(path.resolve(file));
  return { loaded: loaded !== undefined, cacheUsed: loaded !== undefined && loaded.cacheUsed };
}

/** Writes the cache of every companion loaded so far (the build's warm-up). */
function writeCompanionCaches() {
  companions.forEach(function (loaded) {
    loaded.writeCache();
  });
}

module.exports = {
  requireWithCodeCache: requireWithCodeCache,
  cacheFileFor: cacheFileFor,
  cacheVariantFor: cacheVariantFor,
  companion: companion,
  companionState: companionState,
};

// `node bin/code-cache.js <bundle> <policy cache dir> <build id> [light]` (run by the build, once
// for each cache): loads the bundle and writes its cache. The whole cache: after loading every
// module its commands load (its companion's too), running `policy explain` once on a sample, which
// also leaves the shipped policy parsed in the policy cache, and writing the help. The light one:
// after only that `policy explain`, which then reads the parsed policy back as a user's would, and
// the help.
if (require.main === module) {
  var variant = process.argv[5];
  var loaded = requireWithCodeCache(process.argv[2], variant);
  if (variant === undefined) loaded.exports.loadEveryCommandModule();
  loaded.exports
    .exerciseEverydayPaths({ parsedPolicyCache: { dir: process.argv[3], buildId: process.argv[4] } })
    .then(
      function () {
        loaded.writeCache();
        if (variant === undefined) writeCompanionCaches();
      },
      function (err) {
        process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
        process.exit(1);
      },
    );
}
