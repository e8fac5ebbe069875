/**
 * `render`, the IO end: read the package (or only its descriptor), learn the
 * sha256 of each image (from the manifest, else by hashing the member; never
 * under --descriptor-only), load vars, render, and write
 *   DIR/<domain>.xml, DIR/nwfilter/<filter>.xml, DIR/<domain>.ovf-env.{xml,iso}, DIR/plan.json.
 * Nothing is written when resolution fails.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { loadDescriptor } from '../package/open-descriptor.js';
import { loadVarsFile } from './vars-file.js';
import type { Envelope } from '../ovf/model.js';
import { parseDescriptor } from '../ovf/parser.js';
import { buildOvfEnvIso } from '../deploy/ovf-env-iso.js';
import { imageDigests } from '../package/image-digests.js';
import { planJson } from '../render/plan-json.js';
import { renderPackage, type RenderResult } from '../render/render-package.js';
import type { RenderOptions } from '../render/types.js';

export interface RenderToDirRequest {
  pkg: string;
  tenant: string;
  varsFile?: string;
  out: string;
  descriptorOnly?: boolean;
  storageRoot?: string;
  configuration?: string;
  options: RenderOptions;
}

export interface RenderToDirResult {
  result?: RenderResult;
  diagnostics: Diagnostic[];
  written: string[];
}

export const DEFAULT_STORAGE_ROOT = '/var/lib/ovfpipe';

export async function renderToDir(req: RenderToDirRequest): Promise<RenderToDirResult> {
  const vars = req.varsFile ? await loadVarsFile(req.varsFile, req.tenant) : { diagnostics: [] };
  if (hasErrors(vars.diagnostics)) return { diagnostics: vars.diagnostics, written: [] };
  const { envelope, digests, packageName } = await readInput(req);
  const result = renderPackage({
    envelope,
    packageName,
    tenant: req.tenant,
    vars: vars.vars,
    storageRoot: req.storageRoot ?? DEFAULT_STORAGE_ROOT,
    options: req.options,
    configuration: req.configuration,
    digests,
  });
  if (hasErrors(result.diagnostics)) return { result, diagnostics: result.diagnostics, written: [] };
  return { result, diagnostics: result.diagnostics, written: await writeOutputs(req.out, packageName, result) };
}

async function readInput(req: RenderToDirRequest): Promise<{ envelope: Envelope; digests: Map<string, string>; packageName: string }> {
  const packageName = req.pkg.replace(/\/+$/, '').split('/').pop() ?? req.pkg;
  if (req.descriptorOnly && /\.ovf$/i.test(req.pkg)) {
    const parsed = parseDescriptor(await readFile(req.pkg), req.pkg);
    if (!parsed.envelope) throw new OvfpipeError('OVFPIPE_PACKAGE', `${req.pkg}: ${parsed.diagnostics[0]?.message ?? 'not an OVF descriptor'}`);
    return { envelope: parsed.envelope, digests: new Map(), packageName };
  }
  const d = await loadDescriptor(req.pkg);
  try {
    const digests = req.descriptorOnly ? new Map<string, string>() : await imageDigests(d.reader, d.descriptorName, d.envelope);
    return { envelope: d.envelope, digests, packageName };
  } finally {
    await d.reader.close();
  }
}

async function writeOutputs(dir: string, packageName: string, r: RenderResult): Promise<string[]> {
  await mkdir(join(dir, 'nwfilter'), { recursive: true });
  const written: string[] = [];
  const put = async (name: string, content: string) => {
    await writeFile(join(dir, name), content);
    written.push(join(dir, name));
  };
  for (const f of r.filters) await put(`nwfilter/${f.name}.xml`, f.xml);
  for (const d of r.domains) {
    await put(`${d.name}.xml`, d.xml);
    if (d.ovfEnv) {
      await put(`${d.name}.ovf-env.xml`, d.ovfEnv.xml);
      // Fixed epoch: the same inputs give a byte-identical ISO (the plan compares digests).
      await buildOvfEnvIso(d.ovfEnv.xml, join(dir, `${d.name}.ovf-env.iso`), { sourceDateEpoch: 0 });
      written.push(join(dir, `${d.name}.ovf-env.iso`));
    }
  }
  await put('plan.json', `${JSON.stringify(planJson(packageName, r), null, 2)}\n`);
  return written;
}
