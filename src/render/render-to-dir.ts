/**
 * `render`, the IO end: read the package (or only its descriptor), learn the
 * sha256 of each image (from the manifest, else by hashing the member; never
 * under --descriptor-only), load vars, render, and write
 *   DIR/<domain>.xml, DIR/nwfilter/<filter>.xml, DIR/<domain>.ovf-env.{xml,iso}, DIR/plan.json.
 * Nothing is written when resolution fails; the folder appears whole or not at all.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import { isOvfpipeError, OvfpipeError } from '../errors.js';
import { DescriptorError, loadDescriptor } from '../load-descriptor.js';
import { loadFailure } from '../lint/lint-files.js';
import { parseVarsYaml, type VarsFile } from '../macros/vars.js';
import type { Envelope } from '../ovf/model.js';
import { parseDescriptor } from '../ovf/parser.js';
import { findCompanion } from '../package/names.js';
import { parseManifest } from '../package/manifest.js';
import type { PackageReader } from '../package/reader.js';
import { hashStream } from '../package/verify.js';
import { ovfEnvIso } from './ovf-env.js';
import { writeDirAtomically } from './output-dir.js';
import { renderPackage, type RenderResult } from './render-package.js';
import type { RenderOptions } from './types.js';
import { lastPathSegment } from '../strings.js';

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
  const vars = req.varsFile ? await loadVars(req.varsFile, req.tenant) : { diagnostics: [] };
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

async function loadVars(path: string, tenant: string): Promise<{ vars?: VarsFile; diagnostics: Diagnostic[] }> {
  const text = await readFile(path, 'utf8').catch((e: Error) => {
    throw new OvfpipeError('OVFPIPE_IO', `cannot read vars file ${path}: ${e.message}`, { where: path });
  });
  return parseVarsYaml(text, { file: path, tenant });
}

async function readInput(req: RenderToDirRequest): Promise<{ envelope: Envelope; digests: Map<string, string>; packageName: string }> {
  const packageName = lastPathSegment(req.pkg);
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

/** sha256 per References href: the manifest's when it has one, else computed by streaming the member. */
export async function imageDigests(reader: PackageReader, descriptorName: string, env: Envelope): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const mf = findCompanion(reader.list().map((m) => m.name), descriptorName, 'mf');
  if (mf) for (const e of parseManifest((await reader.readSmall(mf, 4 * 1024 * 1024)).toString('utf8')).entries) if (e.algorithm === 'SHA256') out.set(e.name, e.digest.toLowerCase());
  for (const f of env.references) {
    if (out.has(f.href) || !reader.has(f.href)) continue;
    const h = await hashStream(await reader.open(f.href), new Set(['SHA256'] as const));
    out.set(f.href, h.digests.SHA256!);
  }
  return out;
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

export function planJson(packageName: string, r: RenderResult) {
  return {
    version: 1,
    package: packageName,
    tenant: r.tenant,
    filters: r.filters.map((f) => ({ name: f.name, file: `nwfilter/${f.name}.xml`, uuid: f.uuid, original: f.original, references: f.references })),
    builtinFilters: r.builtinFilters,
    domains: r.domains.map((d) => ({
      name: d.name,
      file: `${d.name}.xml`,
      virtualSystem: d.virtualSystem,
      uuid: d.uuid,
      configuration: d.configuration,
      firmware: d.firmware,
      filterrefs: d.filterrefs,
      ovfEnv: d.ovfEnv ? { xml: `${d.name}.ovf-env.xml`, iso: `${d.name}.ovf-env.iso`, hostPath: d.ovfEnv.isoPath } : undefined,
      values: d.values,
      notes: d.notes,
    })),
    disks: r.disks,
  };
}
