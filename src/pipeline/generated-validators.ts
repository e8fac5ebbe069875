/**
 * Every schema validator that `npm run build` precompiles (scripts/gen-validators.mjs; how they are used:
 * macros/schema-validator.ts). Those on the path of a pipeline run: the pipeline file itself, the
 * profile catalog it may name, vars files and port profiles. Nothing at run time imports this list.
 */
import type { SchemaValidatorSpec } from '../macros/schema-validator.js';
import { VARS_VALIDATOR } from '../macros/vars.js';
import { CATALOG_VALIDATOR } from '../netsec/catalog/yaml.js';
import { PROFILE_VALIDATOR } from '../netsec/profiles/yaml.js';
import { PIPELINE_VALIDATOR } from './load.js';

export const GENERATED_VALIDATORS: readonly SchemaValidatorSpec[] = [PIPELINE_VALIDATOR, VARS_VALIDATOR, CATALOG_VALIDATOR, PROFILE_VALIDATOR];
