// What the command's bundles leave out of a start (bin/command-bundle.js): code that packages run
// when loaded, for features countersign does not use, or needs later if at all. Each trim only
// moves or drops work a start did for nothing; a test (test/install/cli-build.test.ts) checks each.
// Plain CommonJS, like the build.
'use strict';

var fs = require('node:fs');
var path = require('node:path');

/**
 * zod's namespace of translated error messages, cut to the English one the command speaks: the
 * other ~50 languages are a quarter of the command's bundle (300 KB), and each start evaluated them
 * all for nothing. zod takes English from `locales/en.js` directly, which stays.
 */
var zodEnglishOnly = {
  name: 'zod-english-only',
  setup: function (build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, function (args) {
      if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/](core|classic)[\\/]/.test(args.importer)) return undefined;
      return {
        path: path.join(args.resolveDir, '..', 'locales', 'english-only.js'),
        namespace: 'zod-locales',
      };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, function (args) {
      return {
        contents: 'export { default as en } from "./en.js";\n',
        resolveDir: path.dirname(args.path),
        loader: 'js',
      };
    });
  },
};

/**
 * commander loads `child_process` (and with it `net`, `dgram` and the streams, ~4 ms) at its first
 * line, for subcommands that are separate executables, which countersign has none of: the command
 * loads it on first use instead.
 */
var commanderSpawnsLazily = {
  name: 'commander-spawns-lazily',
  setup: function (build) {
    build.onResolve({ filter: /^node:child_process$/ }, function (args) {
      if (!/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)) return undefined;
      return { path: 'child_process', namespace: 'lazy-child-process' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, function () {
      return {
        contents:
          'exports.spawn = function () {\n' +
          '  var childProcess = require("node:child_process");\n' +
          '  return childProcess.spawn.apply(childProcess, arguments);\n' +
          '};\n',
        loader: 'js',
      };
    });
  },
};

/**
 * @noble/hashes loads node:crypto (and with it the streams, ~3 ms) when loaded, for its random
 * bytes, which the command's hashing never asks for: the bundle gives it a stand-in that loads
 * node:crypto on first use.
 */
var nobleRandomOnFirstUse = {
  name: 'noble-random-on-first-use',
  setup: function (build) {
    build.onLoad(
      { filter: /[\\/]node_modules[\\/]@noble[\\/]hashes[\\/](esm[\\/])?cryptoNode\.js$/ },
      function () {
        return {
          contents:
            'export const crypto = {\n' +
            '  getRandomValues: function (array) {\n' +
            '    return require("node:crypto").webcrypto.getRandomValues(array);\n' +
            '  },\n' +
            '};\n',
          loader: 'js',
        };
      },
    );
  },
};

/**
 * The Temporal API the client reflects at every start (protobufjs builds every message type from
 * JSON: the largest part of `status`'s start), without the two parts no client call uses: the
 * Temporal Cloud operations API and the worker core's own messages (`coresdk`), a third of it. A
 * module whose shape is not the one expected is left whole (a test checks that the trim applied).
 */
var temporalApiForTheClient = {
  name: 'temporal-api-for-the-client',
  setup: function (build) {
    build.onLoad(
      { filter: /[\\/]node_modules[\\/]@temporalio[\\/]proto[\\/]protos[\\/]json-module\.js$/ },
      function (args) {
        var source = fs.readFileSync(args.path, 'utf8');
        var open = source.indexOf('.addJSON(');
        var close = source.lastIndexOf('});');
        if (open === -1 || close < open) return undefined;
        var api;
        try {
          api = JSON.parse(source.slice(open + '.addJSON('.length, close + 1));
        } catch (err) {
          return undefined;
        }
        var temporalApi = api.temporal && api.temporal.nested && api.temporal.nested.api;
        if (!temporalApi || !temporalApi.nested || !temporalApi.nested.cloud || !api.coresdk)
          return undefined;
        delete temporalApi.nested.cloud;
        delete api.coresdk;
        return {
          contents: source.slice(0, open) + '.addJSON(' + JSON.stringify(api) + source.slice(close + 1),
          resolveDir: path.dirname(args.path),
          loader: 'js',
        };
      },
    );
  },
};

module.exports = {
  startupTrims: [zodEnglishOnly, commanderSpawnsLazily, nobleRandomOnFirstUse, temporalApiForTheClient],
};
