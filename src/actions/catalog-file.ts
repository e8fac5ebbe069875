/** Reads and parses a profile catalog file (the IO end of netsec/catalog/yaml.ts), for lint --catalog and pipelines. */
import { readFile } from 'node:fs/promises';
import { ioReason } from './files.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import type { ProfileCatalog } from '../netsec/catalog/model.js';
import { parseCatalogYaml } from '../netsec/catalog/yaml.js';
import { expandHome } from '../paths.js';

/** The catalog (undefined when it has errors) and every diagnostic of the file. A file that cannot be read is OVFPIPE_IO. */
export async function loadCatalogFile(file: string): Promise<{ catalog?: ProfileCatalog; diagnostics: Diagnostic[] }> {
  const path = expandHome(file);
  const text = await readFile(path, 'utf8').catch((e: Error) => {
    throw new OvfpipeError('OVFPIPE_IO', `cannot read catalog ${path}: ${ioReason(e)}`, { where: path, cause: e });
  });
  const parsed = parseCatalogYaml(text, { file: path });
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  return { catalog: errors.length === 0 ? parsed.catalog : undefined, diagnostics: parsed.diagnostics };
}
