/**
 * Ajv validators for the schemas the readers check (pipeline, vars, profile
 * catalog, port profiles), precompiled at build time.
 *
 * Compiling a schema with ajv costs a short-lived CLI process 30–120 ms of
 * CPU (the pipeline schema alone ~70–120 ms), plus loading ajv's compiler, on
 * every `apply`, no-op apply and `destroy`. So `npm run build` (after tsc)
 * runs scripts/gen-validators.mjs, which writes each validator as ajv
 * standalone code (schema-validator-codegen.ts) beside the module that uses it
 * (`dist/…/NAME.validate.generated.cjs`), with the fingerprint of what it was
 * generated from: ajv's version, the options and the exact schema.
 *
 * At run time `schemaValidator` uses that file only when its fingerprint is
 * the one of the schema and options in force now; a stale, missing (running
 * from src/, as vitest does) or unreadable file is never used: the schema is
 * compiled as before. Either way the validator is the same code, so verdicts,
 * coercions and errors are the same (test/macros/schema-validator.test.ts).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Options, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

export interface SchemaValidatorSpec {
  /** A short name for messages (the build script's output). */
  name: string;
  /** The schema exactly as validated (called once, on first use). */
  schema: () => object;
  /** ajv options, plain JSON (they are fingerprinted as JSON); never `code`: the generator adds what it needs. */
  options: Options;
  /** The generated module, next to the compiled module that owns the spec; present only in dist/ after `npm run build`. */
  generated: URL;
}

/** What a generated validator module exports. */
interface GeneratedModule {
  (data: unknown): boolean;
  fingerprint?: unknown;
}

/** Identifies a validator by all it is made from: ajv's version, the options and the schema. */
export function validatorFingerprint(schema: object, options: Options): string {
  const { version } = require('ajv/package.json') as { version: string };
  return createHash('sha256')
    .update(JSON.stringify({ ajv: version, options, schema }))
    .digest('hex');
}

/** The generated validator of `spec` if it exists and was generated from `schema` and the spec's options; otherwise undefined. */
export function loadGeneratedValidator(spec: SchemaValidatorSpec, schema: object): ValidateFunction | undefined {
  let mod: GeneratedModule;
  try {
    mod = require(fileURLToPath(spec.generated)) as GeneratedModule;
  } catch {
    return undefined; // not built (src/), or unreadable: compile instead
  }
  if (typeof mod !== 'function' || mod.fingerprint !== validatorFingerprint(schema, spec.options)) return undefined;
  return mod as unknown as ValidateFunction;
}

/** Compiles `schema` with ajv at run time (ajv's compiler is loaded only then). */
export function compileValidator(schema: object, options: Options): ValidateFunction {
  const { Ajv } = require('ajv') as typeof import('ajv');
  return new Ajv(options).compile(schema);
}

/** The validator of `spec`, made on first use: the current generated one, else compiled. */
export function schemaValidator(spec: SchemaValidatorSpec): () => ValidateFunction {
  let validate: ValidateFunction | undefined;
  return () => {
    if (validate) return validate;
    const schema = spec.schema();
    return (validate = loadGeneratedValidator(spec, schema) ?? compileValidator(schema, spec.options));
  };
}
