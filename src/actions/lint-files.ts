/**
 * The IO end of lint: turns paths into lint targets (a package, a bare
 * descriptor, or a standalone nwfilter document) and runs the rule table over
 * them. Loading problems become diagnostics; only a path that cannot be read
 * at all is thrown (a usage error).
 */
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { isOvfpipeError, OvfpipeError } from '../diagnostics/errors.js';
import { parseEnvelope } from '../ovf/parser.js';
import { readPackageFacts } from '../package/facts.js';
import { openDescriptor } from '../package/open-descriptor.js';
import type { Envelope, FileRef } from '../ovf/model.js';
import type { MemberInfo } from '../package/reader.js';
import type { XmlElement } from '../xml/element.js';
import { loadFailure } from './load-failure.js';
import { isUnsafeHref } from '../lint/rules/structure/references-file.js';
import { loadCatalogFile } from './catalog-file.js';
import type { ProfileCatalog } from '../netsec/catalog/model.js';
import { parseXml, DEFAULT_XML_LIMITS } from '../xml/parse.js';
import { runRules, type LintConfig, type LintResult } from '../lint/engine.js';
import { lintFilterSet, type FilterSource } from '../lint/lint-nwfilter.js';
import type { LintTarget, PackageFacts } from '../lint/rule.js';
import { ioReason } from './files.js';
import { expandHome } from '../paths.js';

export interface LintFilesOptions {
  /** Check the descriptor alone: no member presence, no manifest (for a bare `.ovf` before packaging). */
  descriptorOnly?: boolean;
  config?: LintConfig;
  /** Largest descriptor accepted (default 32 MiB). */
  maxDescriptorBytes?: number;
  /** A loaded profile catalog (`config.catalog` is loaded into this by lintFiles). */
  catalog?: ProfileCatalog;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Files are loaded a few at a time so file-system latency overlaps with parsing; results keep input order. */
const LOAD_CONCURRENCY = 8;

export async function lintFiles(paths: readonly string[], options: LintFilesOptions = {}): Promise<LintResult[]> {
  const catalogResult = options.config?.catalog ? await loadCatalogFile(options.config.catalog) : undefined;
  if (catalogResult && !catalogResult.catalog) return [{ file: options.config!.catalog!, diagnostics: catalogResult.diagnostics }];
  if (catalogResult) options = { ...options, catalog: catalogResult.catalog };
  const results: LintResult[] = new Array(paths.length);
  // Standalone nwfilter documents are linted together after loading, as one filter library: a filterref to a
  // filter given in the same run is known, and cycles and duplicate names across the files are found.
  const filters: Array<{ index: number; source: FilterSource }> = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const r = await lintOne(expandHome(paths[i]!), options);
      if ('source' in r) filters.push({ index: i, source: r.source });
      else results[i] = r;
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, paths.length) }, worker));
  filters.sort((a, b) => a.index - b.index);
  const set = lintFilterSet(
    filters.map((f) => f.source),
    options.config ?? {},
  );
  filters.forEach((f, i) => (results[f.index] = set[i]!));
  return results;
}

async function lintOne(path: string, options: LintFilesOptions): Promise<LintResult | { source: FilterSource }> {
  try {
    const loaded = await loadTarget(path, options);
    if ('diagnostics' in loaded) return { file: path, diagnostics: loaded.diagnostics };
    if (loaded.target.scope === 'nwfilter') return { source: { file: loaded.target.file, root: loaded.target.root } };
    // The descriptor's own path, in every format: clickable for a directory or a bare .ovf, `pkg.ova!/x.ovf` in an archive.
    const file = loaded.target.file;
    return { file, ...(file !== path && file.startsWith(`${path}${ARCHIVE_MEMBER}`) ? { archive: path } : {}), diagnostics: runRules(loaded.target, options.config ?? {}) };
  } catch (e) {
    if (isOvfpipeError(e) && e.code === 'OVFPIPE_IO') throw e;
    return { file: path, diagnostics: [loadFailure(path, e)] };
  }
}

type Loaded = { target: LintTarget } | { diagnostics: Diagnostic[] };

/** Loads one path into a lint target. Exposed for commands that lint as part of a larger job. */
export async function loadTarget(path: string, options: LintFilesOptions = {}): Promise<Loaded> {
  const st = await stat(path).catch((e: Error) => {
    throw new OvfpipeError('OVFPIPE_IO', `cannot open ${path}: ${ioReason(e)}`, { where: path, cause: e });
  });
  const maxBytes = options.maxDescriptorBytes ?? DEFAULT_XML_LIMITS.maxBytes;
  // A single XML file is either a standalone nwfilter or a bare descriptor.
  if (st.isFile() && (await looksLikeXml(path))) {
    if (st.size > maxBytes) return { diagnostics: [diagnostic('xml-well-formed', 'error', `document is ${st.size} bytes, over the ${maxBytes}-byte limit`, { file: path })] };
    const bytes = await readFile(path);
    const xml = parseXml(bytes, { ...DEFAULT_XML_LIMITS, maxBytes });
    if (!xml.ok) return { diagnostics: [diagnostic('xml-well-formed', 'error', xml.problem.message, { file: path, line: xml.problem.line, column: xml.problem.column })] };
    if (xml.root.local === 'filter' && xml.root.ns === '') return { target: { scope: 'nwfilter', file: path, root: xml.root } };
    if (options.descriptorOnly) return descriptorTarget(path, xml.root, undefined, options.catalog);
    return descriptorTarget(path, xml.root, async (env) => siblingFacts(path, env), options.catalog);
  }
  const opened = await openDescriptor(path, { maxBytes, file: (name, r) => memberFile(path, name, r.kind === 'directory', st.isDirectory()) });
  const { reader, descriptorName: name, envelope } = opened;
  try {
    if (name === undefined || !envelope) return { diagnostics: opened.diagnostics };
    const file = memberFile(path, name, reader.kind === 'directory', st.isDirectory());
    const linkedOutside = opened.outside.filter((o) => o.reason === 'symlink').map((o) => o.name);
    const facts = options.descriptorOnly ? undefined : await readPackageFacts(reader, name, MAX_MANIFEST_BYTES);
    const pkg = facts && linkedOutside.length > 0 ? { ...facts, linkedOutside } : facts;
    return { target: { scope: 'descriptor', file, envelope, package: pkg, catalog: options.catalog } };
  } finally {
    await reader.close();
  }
}

/** Between an archive's path and a member's name (`pkg.ova!/x.ovf`), as Java's jar: URLs and many editors write it. */
export const ARCHIVE_MEMBER = '!/';

/** How lint names a packaged descriptor: the path inside a directory, `archive!/member` inside an OVA or zip. */
function memberFile(path: string, name: string, inDirectory: boolean, pathIsDirectory: boolean): string {
  return inDirectory ? joinPath(path, name, pathIsDirectory) : `${path}${ARCHIVE_MEMBER}${name}`;
}

async function descriptorTarget(file: string, root: XmlElement, facts: ((env: Envelope) => Promise<PackageFacts>) | undefined, catalog: ProfileCatalog | undefined): Promise<Loaded> {
  const parsed = parseEnvelope(root, file);
  if (!parsed.envelope) return { diagnostics: parsed.diagnostics };
  const pkg = facts ? await facts(parsed.envelope) : undefined;
  return { target: { scope: 'descriptor', file, envelope: parsed.envelope, package: pkg, catalog } };
}

/**
 * Facts for a descriptor named by path: its package is the descriptor, the
 * files its References name, and a same-stem `.mf`/`.cert` beside it. Other
 * files in that directory belong to other packages and are not walked
 * (a directory of many descriptors lints in one pass this way).
 */
async function siblingFacts(path: string, env: Envelope): Promise<PackageFacts> {
  const dir = dirname(path);
  const descriptorName = basename(path);
  const stem = descriptorName.replace(/\.ovf$/i, '');
  const names = [descriptorName, `${stem}.mf`, `${stem}.cert`, ...env.references.flatMap((f) => memberNamesFor(f))];
  const members: MemberInfo[] = [];
  const linkedOutside: string[] = [];
  for (const name of new Set(names)) {
    if (name === '' || isUnsafeHref(name)) continue;
    const st = await lstat(join(dir, name)).catch(() => undefined);
    // Devices are not package members; a link is one only while it stays inside the folder (as verify reads it).
    if (st?.isFile()) members.push({ name, size: st.size, index: members.length });
    else if (st?.isSymbolicLink()) {
      const target = await linkTarget(dir, name);
      if (target?.inside) members.push({ name, size: target.size, index: members.length });
      else if (target) linkedOutside.push(name);
    }
  }
  const manifest = members.find((m) => m.name === `${stem}.mf`);
  const cert = members.find((m) => m.name === `${stem}.cert`);
  let manifestText: string | undefined;
  if (manifest && manifest.size <= MAX_MANIFEST_BYTES) manifestText = await readFile(join(dir, manifest.name), 'utf8');
  return { kind: 'directory', members, descriptorName, manifestName: manifest?.name, manifestText, certificateName: cert?.name, ...(linkedOutside.length > 0 ? { linkedOutside } : {}) };
}

/** Where the link at `dir/name` leads: a regular file's size, and whether it is inside `dir`; undefined when it leads to no file. */
async function linkTarget(dir: string, name: string): Promise<{ size: number; inside: boolean } | undefined> {
  const [real, root] = await Promise.all([realpath(join(dir, name)).catch(() => undefined), realpath(dir)]);
  const st = real === undefined ? undefined : await stat(real).catch(() => undefined);
  return st?.isFile() ? { size: st.size, inside: real!.startsWith(root + sep) } : undefined;
}

/** A chunked File (DSP0243 §5.2, ovf:chunkSize) is stored as href.000000000, href.000000001, … */
function memberNamesFor(f: FileRef): string[] {
  if (f.chunkSize === undefined) return [f.href];
  const out: string[] = [];
  const count = f.size !== undefined && f.chunkSize > 0 ? Math.min(Math.ceil(f.size / f.chunkSize), 10_000) : 1;
  for (let i = 0; i < count; i++) out.push(`${f.href}.${String(i).padStart(9, '0')}`);
  return out;
}

function joinPath(path: string, member: string, isDir: boolean): string {
  if (!isDir) return path;
  return path.endsWith('/') ? `${path}${member}` : `${path}/${member}`;
}

async function looksLikeXml(path: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const h = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await h.read(b, 0, 4, 0);
    const head = b.subarray(0, bytesRead);
    const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    return head[start] === 0x3c;
  } finally {
    await h.close();
  }
}

export { loadFailure };
