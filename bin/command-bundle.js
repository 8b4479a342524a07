// Bundles the command into two files (run by bin/build.js): dist/cli.js, which every command loads,
// and dist/cli-temporal.js, the Temporal client, its gRPC and protobuf stack and OpenTelemetry,
// which only the commands that talk to Temporal load. A command reads and deserializes the code
// cache of what it loads: `--help` and `policy explain` need neither the ~2 MB of the Temporal
// stack nor its cache. Each module file lands in exactly one of the two, so no package runs twice
// and no class exists in two copies: where the Temporal stack uses a module the command already
// holds (@temporalio/common, long), it asks the command's bundle for it. Plain CommonJS.
'use strict';

var fs = require('node:fs');
var path = require('node:path');
var startupTrims = require('./command-bundle-trims').startupTrims;

var commandFile = 'cli.js';
var companionFile = 'cli-temporal.js';
/** Packages that go to the companion bundle: what only talking to Temporal (or tracing it) needs. */
var companionPackages =
  /(^|\/)node_modules\/(@temporalio\/(client|proto|workflow|envconfig|interceptors-opentelemetry)|@grpc\/[^/]+|@opentelemetry\/[^/]+|protobufjs|@protobufjs\/[^/]+)\//;
/** Loaded by Node from node_modules where used (the evidence commands): never bundled. */
var unbundled = ['@temporalio/worker', '@temporalio/core-bridge', '@aws-sdk/*', '@smithy/*'];
var companionLoader = '../bin/code-cache.js';

function relativeKey(root, file) {
  return path.relative(root, file).split(path.sep).join('/');
}

/**
 * esbuild resolves each import once more through this plugin, to see where the module file lives:
 * `claim(file)` returns a namespace for files this bundle must not hold, or undefined.
 */
function routing(name, claim) {
  return {
    name: name,
    setup: function (build) {
      build.onResolve({ filter: /.*/ }, function (args) {
        if ((args.pluginData && args.pluginData.routed) || args.namespace !== 'file') return undefined;
        if (args.path.startsWith('node:')) return undefined;
        return build
          .resolve(args.path, {
            kind: args.kind,
            importer: args.importer,
            resolveDir: args.resolveDir,
            pluginData: { routed: true },
          })
          .then(function (resolved) {
            if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== 'file')
              return undefined;
            var namespace = claim(resolved.path);
            return namespace === undefined ? undefined : { path: resolved.path, namespace: namespace };
          });
      });
    },
  };
}

var shared = {
  charset: 'ascii', // the loader reads the files as one-byte text, a quarter of the time of UTF-8
  minifyWhitespace: true,
  minifySyntax: true, // names are kept, for stack traces
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: unbundled,
  metafile: true,
  logLevel: 'error',
};

/** One bundle from generated entry code, with the shared settings. */
function bundleOptions(root, entry, outfile, plugins) {
  return Object.assign({}, shared, {
    absWorkingDir: root,
    stdin: { contents: entry, resolveDir: root, sourcefile: path.basename(outfile), loader: 'js' },
    outfile: outfile,
    plugins: startupTrims.concat(plugins),
  });
}

/**
 * Generated code: a table from module key to a function that loads the module. The functions keep
 * each module lazy: it runs when first asked for, as it would behind a require() in the sources.
 */
function moduleTable(name, keys) {
  var rows = keys.map(function (key) {
    return (
      '  ' + JSON.stringify(key) + ': function () { return require(' + JSON.stringify('./' + key) + '); },\n'
    );
  });
  return 'var ' + name + ' = {\n' + rows.join('') + '};\n';
}

function inputsOf(result, outfile) {
  var output = Object.keys(result.metafile.outputs).find(function (o) {
    return o.endsWith(outfile);
  });
  return Object.keys(result.metafile.outputs[output].inputs);
}

/**
 * The command's bundle. `exposed` lists the module files (keys relative to the root) the companion
 * takes from it; its entry hands them out by key.
 */
function buildCommand(esbuild, root, outdir, perFile, exposed) {
  var entry =
    'module.exports = Object.assign({}, require("./src/cli/main.ts"), {\n' +
    '  companionShared: function (key) { return exposedModules[key](); },\n' +
    '});\n' +
    moduleTable('exposedModules', exposed);
  var toCompanion = function (file) {
    return companionPackages.test(relativeKey(root, file)) ? 'companion' : undefined;
  };
  return esbuild.build(
    bundleOptions(root, entry, path.join(outdir, commandFile), [
      perFile,
      routing('temporal-stack-to-companion', toCompanion),
      {
        name: 'companion-modules',
        setup: function (build) {
          build.onResolve({ filter: /^\.\.\/bin\/code-cache\.js$/ }, function (args) {
            return { path: args.path, external: true };
          });
          build.onLoad({ filter: /.*/, namespace: 'companion' }, function (args) {
            return {
              contents:
                'module.exports = require(' +
                JSON.stringify(companionLoader) +
                ').companion(__filename, ' +
                JSON.stringify(companionFile) +
                ')(' +
                JSON.stringify(relativeKey(root, args.path)) +
                ');',
              resolveDir: outdir,
              loader: 'js',
            };
          });
        },
      },
    ]),
  );
}

/** The companion: the Temporal stack, each module the command holds taken from the command. */
function buildCompanion(esbuild, root, outdir, entries, commandInputs) {
  var inCommand = new Set(commandInputs);
  var entry =
    'exports.connect = require("countersign-command-hub").connect;\n' +
    'exports.load = function (key) { return entryModules[key](); };\n' +
    moduleTable('entryModules', entries);
  var fromCommand = function (file) {
    return inCommand.has(relativeKey(root, file)) ? 'command' : undefined;
  };
  return esbuild.build(
    bundleOptions(root, entry, path.join(outdir, companionFile), [
      routing('command-modules-from-command', fromCommand),
      {
        name: 'command-hub',
        setup: function (build) {
          build.onResolve({ filter: /^countersign-command-hub$/ }, function () {
            return { path: 'hub', namespace: 'hub' };
          });
          build.onLoad({ filter: /.*/, namespace: 'hub' }, function () {
            return {
              contents:
                'var command;\n' +
                'exports.connect = function (modules) { command = modules; };\n' +
                'exports.get = function (key) {\n' +
                '  if (command === undefined) throw new Error("the Temporal bundle was loaded without the command");\n' +
                '  return command(key);\n' +
                '};\n',
              loader: 'js',
            };
          });
          build.onLoad({ filter: /.*/, namespace: 'command' }, function (args) {
            return {
              contents:
                'module.exports = require("countersign-command-hub").get(' +
                JSON.stringify(relativeKey(root, args.path)) +
                ');',
              resolveDir: root,
              loader: 'js',
            };
          });
        },
      },
    ]),
  );
}

/** The module files a build routed to the other bundle (its inputs in `namespace`), as keys. */
function routedTo(root, result, namespace) {
  return Object.keys(result.metafile.inputs)
    .filter(function (input) {
      return input.startsWith(namespace + ':');
    })
    .map(function (input) {
      return relativeKey(root, input.slice(namespace.length + 1));
    })
    .sort();
}

/**
 * Builds both bundles. The command is built twice: first to learn which Temporal modules it asks
 * for and which files it holds, then, once the companion is built, to expose the files the
 * companion takes from it; the second build must hold exactly the files of the first.
 */
function bundleCommandAndCompanion(esbuild, root, outdir, perFile) {
  return buildCommand(esbuild, root, outdir, perFile, []).then(function (first) {
    var entries = routedTo(root, first, 'companion');
    var held = inputsOf(first, commandFile);
    return buildCompanion(esbuild, root, outdir, entries, held).then(function (companion) {
      var exposed = routedTo(root, companion, 'command');
      return buildCommand(esbuild, root, outdir, perFile, exposed).then(function (second) {
        if (held.sort().join('\n') !== inputsOf(second, commandFile).sort().join('\n'))
          throw new Error('exposing modules to the Temporal bundle changed what the command holds');
        var both = inputsOf(companion, companionFile).filter(function (input) {
          return held.indexOf(input) !== -1;
        });
        if (both.length > 0) throw new Error('modules in both bundles: ' + both.slice(0, 3).join(', '));
        return { command: path.join(outdir, commandFile), companion: path.join(outdir, companionFile) };
      });
    });
  });
}

module.exports = {
  bundleCommandAndCompanion: bundleCommandAndCompanion,
  commandFile: commandFile,
  companionFile: companionFile,
};
