import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import Ajv2020 from 'ajv/dist/2020';
import { publishedSchemas } from '../../src/schema/json-schema';
import { validateRecommendation } from '../../src/schema/validate-recommendation';

const root = path.join(__dirname, '..', '..');
const readJson = (...parts: string[]) =>
  JSON.parse(readFileSync(path.join(root, ...parts), 'utf8')) as unknown;

describe('published JSON Schemas', () => {
  const schemas = publishedSchemas();

  for (const name of Object.keys(schemas)) {
    it(`schemas/${name}.schema.json is up to date with the zod schema (run: npm run schemas)`, () => {
      assert.deepEqual(readJson('schemas', `${name}.schema.json`), schemas[name]);
    });
  }

  // An independent validator (ajv) must agree with zod on the shipped examples.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(schemas.recommendation as object);
  const examples = [
    { file: 'staging-www-a.json', valid: true },
    { file: 'production-api-a.json', valid: true },
    { file: 'invalid-outside-zone.json', valid: false },
  ];
  for (const example of examples) {
    it(`examples/${example.file}: JSON Schema and zod agree it is ${example.valid ? 'valid' : 'invalid'}`, () => {
      const input = readJson('examples', example.file);
      assert.equal(validate(input), example.valid, ajv.errorsText(validate.errors));
      assert.equal(validateRecommendation(input).ok, example.valid);
    });
  }

  it('the JSON Schema names an unknown top-level field like zod does', () => {
    const input = readJson('examples', 'invalid-outside-zone.json');
    validate(input);
    assert.ok(
      validate.errors?.some(
        (e) =>
          e.keyword === 'additionalProperties' &&
          (e.params as { additionalProperty: string }).additionalProperty === 'priority',
      ),
    );
    const result = validateRecommendation(input);
    assert.ok(
      !result.ok && result.issues.some((i) => i.path === '(root)' && i.message.includes('"priority"')),
    );
  });

  it('the shipped policy and its cases validate against their published schemas (ajv)', () => {
    for (const [schema, file] of [
      ['policy', ['policies', 'default.yaml']],
      ['policy-cases', ['policies', 'cases', 'default.yaml']],
    ] as const) {
      const check = ajv.compile(schemas[schema] as object);
      const value = parseYaml(readFileSync(path.join(root, ...file), 'utf8')) as unknown;
      assert.equal(check(value), true, `${file.join('/')}: ${ajv.errorsText(check.errors)}`);
    }
  });
});
