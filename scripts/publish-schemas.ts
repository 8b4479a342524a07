import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { publishedSchemas } from '../src/schema/json-schema';

/** Writes schemas/*.schema.json from the zod schemas (the single source of truth). */
const out = path.resolve(__dirname, '..', 'schemas');
mkdirSync(out, { recursive: true });
for (const [name, schema] of Object.entries(publishedSchemas())) {
  writeFileSync(path.join(out, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`schemas/${name}.schema.json`);
}
