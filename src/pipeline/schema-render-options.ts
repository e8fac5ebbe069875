/**
 * The pipeline schema's render options come from the one option table
 * (src/render/option-table.ts): `defaults` and each deployment take every
 * option, inventory hosts the network mappings (`network`, `bridge`). The
 * loader validates with `withRenderOptions(schema)`, so the table rules at
 * run time; test/pipeline/schema-options.test.ts checks that the published
 * pipeline/pipeline.schema.json says the same, for editors and CI templates.
 */
import { renderOptionsSchema } from '../render/option-table.js';

type Json = Record<string, any>;

export const HOST_RENDER_OPTIONS = ['network', 'bridge'] as const;

export function withRenderOptions(schema: object): object {
  const s = structuredClone(schema) as Json;
  const options = renderOptionsSchema();
  Object.assign(s['properties']['defaults']['properties'], options);
  Object.assign(s['properties']['tenants']['additionalProperties']['properties']['deployments']['items']['properties'], options);
  const host = s['properties']['inventory']['properties']['hosts']['additionalProperties']['properties'];
  for (const k of HOST_RENDER_OPTIONS) host[k] = options[k];
  return s;
}
