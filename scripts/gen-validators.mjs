// Run by `npm run build` after tsc: writes each schema validator of
// dist/pipeline/generated-validators.js as ajv standalone code beside the
// module that uses it (src/macros/schema-validator.ts says why and how a
// stale file is never used). Usage: node scripts/gen-validators.mjs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const { GENERATED_VALIDATORS } = await import(new URL('pipeline/generated-validators.js', dist).href);
const { generatedValidatorSource } = await import(new URL('macros/schema-validator-codegen.js', dist).href);

for (const spec of GENERATED_VALIDATORS) {
  const file = fileURLToPath(spec.generated);
  const source = generatedValidatorSource(spec);
  writeFileSync(file, source);
  process.stdout.write(`gen-validators: ${spec.name} → ${file.slice(fileURLToPath(dist).length - 'dist/'.length)} (${source.length} bytes)\n`);
}
