/**
 * `render`, the IO end: read the package (or only its descriptor), learn the
 * sha256 of each image (from the manifest, else by hashing the member; never
 * under --descriptor-only), load vars, render, and write
 *   DIR/<domain>.xml, DIR/nwfilter/<filter>.xml, DIR/<domain>.ovf-env.{xml,iso}, DIR/plan.json.
 * Nothing is written when resolution fails; the folder appears whole or not at all.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { isOvfpipeError, OvfpipeError } from '../diagnostics/errors.js';
import { DescriptorError, loadDescriptor } from '../package/open-descriptor.js';
import { loadFailure } from './lint-files.js';
import { loadVarsFile } from './vars-file.js';
import type { Envelope } from '../ovf/model.js';
import { parseDescriptor } from '../ovf/parser.js';
import { imageDigests } from '../package/image-digests.js';
import { ovfEnvIso } from '../render/ovf-env.js';
import { writeDirAtomically } from './output-dir.js';
import { planJson } from '../render/plan-json.js';
import { renderPackage, type RenderResult } from '../render/render-package.js';
import type { RenderOptions } from '../render/types.js';
import { lastPathSegment } from '../strings.js';
import { expandHome } from '../paths.js';

export interface RenderToDirRequest {
  pkg: string;
  tenant: string;
  varsFile?: string;
  out: string;
  descriptorOnly?: boolean;
  storageRoot?: string;
  configuration?: string;
  options: RenderOptions;
  /** Read References files outside the package's folder (`--allow-outside-refs`). */
  allowOutsideRefs?: boolean;
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
  const input = await readInput(req).catch((e: unknown) => packageProblem(req.pkg, e));
  if ('diagnostics' in input) return { diagnostics: input.diagnostics, written: [] };
  const { envelope, digests, packageName } = input;
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

/**
 * A package that cannot be read (not a package, unusable descriptor, hostile archive)
 * is a verdict, as in lint, verify and inspect: its problems are returned as
 * diagnostics. Failures of the environment (OVFPIPE_IO) and bugs are still thrown.
 */
function packageProblem(pkg: string, e: unknown): { diagnostics: Diagnostic[] } {
  if (e instanceof DescriptorError && e.diagnostics.length > 0) return { diagnostics: e.diagnostics };
  if (isOvfpipeError(e) && e.code !== 'OVFPIPE_IO' && e.code !== 'OVFPIPE_USAGE') return { diagnostics: [loadFailure(pkg, e)] };
  throw e;
}

async function readInput(req: RenderToDirRequest): Promise<{ envelope: Envelope; digests: Map<string, string>; packageName: string }> {
  const packageName = lastPathSegment(req.pkg);
  if (req.descriptorOnly && /\.ovf$/i.test(req.pkg)) {
    const parsed = parseDescriptor(await readFile(expandHome(req.pkg)), req.pkg);
    if (!parsed.envelope) throw new OvfpipeError('OVFPIPE_PACKAGE', `${req.pkg}: ${parsed.diagnostics[0]?.message ?? 'not an OVF descriptor'}`);
    return { envelope: parsed.envelope, digests: new Map(), packageName };
  }
  const d = await loadDescriptor(req.pkg, { outsideRefs: req.descriptorOnly ? 'ignore' : req.allowOutsideRefs ? 'allow' : 'refuse' });
  try {
    const digests = req.descriptorOnly ? new Map<string, string>() : await imageDigests(d.reader, d.descriptorName, d.envelope);
    return { envelope: d.envelope, digests, packageName };
  } finally {
    await d.reader.close();
  }
}

/**
 * Writes every file into a temporary folder beside `out`, renamed over it at
 * the end (output-dir.ts): a failure leaves `out` absent or untouched. The
 * OVF environment (XML and ISO) is mode 0600: its properties may be passwords.
 */
async function writeOutputs(out: string, packageName: string, r: RenderResult): Promise<string[]> {
  const names = await writeDirAtomically(out, 'plan.json', async (dir) => {
    await mkdir(join(dir, 'nwfilter'));
    const written: string[] = [];
    const put = async (name: string, content: string | Buffer, mode = 0o644) => {
      await writeFile(join(dir, name), content, { mode });
      written.push(name);
    };
    for (const f of r.filters) await put(`nwfilter/${f.name}.xml`, f.xml);
    for (const d of r.domains) {
      await put(`${d.name}.xml`, d.xml);
      if (d.ovfEnv) {
        await put(`${d.name}.ovf-env.xml`, d.ovfEnv.xml, 0o600);
        // Fixed epoch: the same inputs give a byte-identical ISO (the plan compares digests).
        await put(`${d.name}.ovf-env.iso`, ovfEnvIso(d.ovfEnv.xml, { sourceDateEpoch: 0 }), 0o600);
      }
    }
    await put('plan.json', `${JSON.stringify(planJson(packageName, r), null, 2)}\n`);
    return written;
  });
  return names.map((n) => join(out, n));
}
