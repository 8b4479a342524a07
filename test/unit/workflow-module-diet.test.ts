import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { sharedWorkflowModules } from '../../workers/shared-workflow-modules';

/**
 * A worker evaluates the workflow code's modules again for every workflow it creates and keeps
 * them for as long as it caches the workflow (bench (m)). So what a change workflow loads when it
 * is created is a budget: these tests walk the modules it loads at once (imports and re-exports
 * that are not type-only; a `require` inside a function loads later and is not followed) and keep
 * the big schema modules, and the governor's and ledger's code, out of it.
 */
const root = path.resolve(__dirname, '..', '..');

function resolveModule(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined; // packages are not ours to budget here
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate));
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0
      ? clause.elements.every((e) => e.isTypeOnly)
      : false;
  }
  const clause = node.importClause;
  if (clause === undefined) return false; // a bare `import './x'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined) return false;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0
    ? bindings.elements.every((e) => e.isTypeOnly)
    : false;
}

/** Every project module `entry` loads when it is evaluated, relative to the repository root. */
function loadedAtOnce(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [path.join(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const relative = path.relative(root, file);
    if (seen.has(relative)) continue;
    seen.add(relative);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
      const specifier = statement.moduleSpecifier;
      if (specifier === undefined || !ts.isStringLiteral(specifier) || isTypeOnly(statement)) continue;
      const target = resolveModule(file, specifier.text);
      if (target !== undefined) pending.push(target);
    }
  }
  return seen;
}

const keptOut = [
  'src/policy/policy-schema.ts',
  'src/kinds/kind-schemas.ts',
  'src/schema/recommendation.ts',
  'src/governor/protocol.ts',
  'src/overrides/exception.ts',
  'workflows/governor-workflow.ts',
  'workflows/evidence-ledger-workflow.ts',
];

describe('what a change workflow loads when a worker creates it', () => {
  it('leaves out the policy, recommendation and change kinds schemas, and the governor and ledger', () => {
    const loaded = loadedAtOnce('workflows/index.ts');
    assert.ok(
      loaded.has('workflows/change-workflow.ts'),
      'the walk follows the entry into the change workflow',
    );
    assert.ok(loaded.has('src/kinds/kinds.ts'), 'the kinds behaviour is loaded (the walk goes deep)');
    for (const module of keptOut)
      assert.ok(!loaded.has(module), `${module} is loaded with every change workflow it creates`);
  });

  it('the governor still loads its schemas when it starts (the walk would see them)', () => {
    const governor = loadedAtOnce('workflows/governor-workflow.ts');
    assert.ok(governor.has('src/governor/protocol.ts'));
    assert.ok(governor.has('src/overrides/exception.ts'));
  });

  it('the change kinds keep their schemas in one module the recommendation validates with', () => {
    const recommendation = loadedAtOnce('src/schema/recommendation.ts');
    assert.ok(recommendation.has('src/kinds/kind-schemas.ts'));
  });

  it('shares zod between workflows and none of our modules (the SDK freezes what is shared)', () => {
    const shared = sharedWorkflowModules.map((m) => path.relative(root, m).replace(/\.js$/, '.ts'));
    assert.deepEqual(shared, ['src/sandbox/shared-zod.ts']);
    const source = readFileSync(path.join(root, 'src/sandbox/shared-zod.ts'), 'utf8');
    const specifiers = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    assert.ok(
      specifiers.length > 0 && specifiers.every((s) => s === 'zod' || s?.startsWith('zod/')),
      specifiers.join(),
    );
    assert.deepEqual([...loadedAtOnce('src/sandbox/shared-zod.ts')], ['src/sandbox/shared-zod.ts']);
  });

  it('sees through type-only imports, and follows bare and default imports', () => {
    const parse = (code: string) =>
      ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest).statements[0] as ts.ImportDeclaration;
    const cases: [string, boolean][] = [
      ["import type { A } from './a';", true],
      ["import { type A, type B } from './a';", true],
      ["import { type A, B } from './a';", false],
      ["import A from './a';", false],
      ["import './a';", false],
      ["import * as A from './a';", false],
    ];
    for (const [code, typeOnly] of cases) assert.equal(isTypeOnly(parse(code)), typeOnly, code);
  });
});
