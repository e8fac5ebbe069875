/**
 * `netsec embed`, the IO end: reads the package, filter files, profile YAML
 * and binding specs; builds the new descriptor (embed.ts); lints what was
 * added and refuses to write when that adds errors (our documented choice:
 * never write a package that fails lint because of what `embed` put in);
 * writes a .ovf, or a directory with the members copied and the manifest
 * entry of the descriptor updated.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { OvfpipeError } from '../diagnostics/errors.js';
import { runRules } from '../lint/engine.js';
import { lintFilterElement } from '../lint/lint-nwfilter.js';
import { readNetworkSecurity } from '../netsec/read-section.js';
import { loadDescriptor, DescriptorError } from '../package/open-descriptor.js';
import { parseDescriptor } from '../ovf/parser.js';
import type { Envelope } from '../ovf/model.js';
import { formatManifestLine, parseManifest, NODE_HASH } from '../package/manifest.js';
import { parseXml } from '../xml/parse.js';
import { parseBindingSpec } from '../netsec/binding-spec.js';
import { embedIntoDescriptor, type EmbedAdditions } from '../netsec/embed.js';
import type { EmbeddedFilter } from '../netsec/model.js';
import { parsePortProfileYaml } from '../netsec/profiles/index.js';
import { ioReason } from './files.js';
import { expandHome } from '../paths.js';

export interface EmbedRequest {
  pkg: string;
  out: string;
  filters: string[];
  profiles: string[];
  bindings: string[];
  virtualSystemId?: string;
  force?: boolean;
}

export interface EmbedResult {
  written: string[];
  /** New errors the additions would introduce; nothing is written when non-empty. */
  refused: Diagnostic[];
  /** `filter NAME` / `port profile NAME` the package already carried under a name an input gives again: replaced by the input. */
  replaced: string[];
}

const CHECKED_FAMILIES = new Set(['nwfilter', 'virtualport', 'binding', 'policy']);

export async function embedPackage(request: EmbedRequest): Promise<EmbedResult> {
  // Every path of the request with `~` expanded (paths.ts).
  const req: EmbedRequest = {
    ...request,
    pkg: expandHome(request.pkg),
    out: expandHome(request.out),
    filters: request.filters.map((f) => expandHome(f)),
    profiles: request.profiles.map((f) => expandHome(f)),
  };
  const { additions, problems } = await readAdditions(req);
  if (problems.length > 0) return { written: [], refused: problems, replaced: [] };
  const loaded = await loadDescriptor(req.pkg);
  try {
    if (loaded.reader.kind !== 'directory')
      throw new OvfpipeError('OVFPIPE_USAGE', `embed reads a .ovf or a package directory; ${req.pkg} is ${loaded.reader.kind === 'zip' ? 'a zip' : 'an OVA'} (unpack it first)`);
    const text = embedIntoDescriptor(loaded.text, loaded.envelope, additions, { virtualSystemId: req.virtualSystemId });
    const after = parseDescriptor(text, loaded.descriptorName);
    if (!after.envelope) throw new DescriptorError(req.out, after.diagnostics);
    const refused = newErrors(loaded.envelope, after.envelope, loaded.descriptorName);
    if (refused.length > 0) return { written: [], refused, replaced: [] };
    const replaced = replacedNames(loaded.envelope, additions);
    const isDirectory = (await stat(req.pkg)).isDirectory();
    await prepareOutput(req, isDirectory);
    if (!isDirectory) {
      await writeFile(req.out, text);
      return { written: [req.out], refused: [], replaced };
    }
    return { written: await writeDirectory(req.out, loaded, text), refused: [], replaced };
  } finally {
    await loaded.reader.close();
  }
}

/** Reads every input; a malformed filter, profile or binding is a located diagnostic, not an exception. */
async function readAdditions(req: EmbedRequest): Promise<{ additions: EmbedAdditions; problems: Diagnostic[] }> {
  const problems: Diagnostic[] = [];
  const additions: EmbedAdditions = { filters: [], profiles: [], bindings: [] };
  for (const path of req.filters) {
    const f = await readFilterFile(path, problems);
    if (f) additions.filters.push(f);
  }
  for (const path of req.profiles) {
    const parsed = parsePortProfileYaml((await readInput(path)).toString('utf8'), { file: path });
    problems.push(...parsed.diagnostics.filter((d) => d.severity === 'error'));
    if (parsed.profile && !parsed.diagnostics.some((d) => d.severity === 'error')) additions.profiles.push(parsed.profile);
  }
  for (const spec of req.bindings) {
    try {
      additions.bindings.push(parseBindingSpec(spec));
    } catch (e) {
      problems.push(diagnostic('netsec-section', 'error', (e as Error).message, { file: '--bind' }, spec));
    }
  }
  return { additions, problems };
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new OvfpipeError('OVFPIPE_IO', `cannot read ${path}: ${ioReason(e)}`, { where: path, cause: e });
  }
}

async function readFilterFile(path: string, problems: Diagnostic[]): Promise<EmbeddedFilter | undefined> {
  const xml = parseXml(await readInput(path));
  const fail = (message: string, line = 1, column = 1) => {
    problems.push(diagnostic('xml-well-formed', 'error', message, { file: path, line, column }, 'filter'));
    return undefined;
  };
  if (!xml.ok) return fail(xml.problem.message, xml.problem.line, xml.problem.column);
  if (xml.root.local !== 'filter' || xml.root.ns !== '') return fail(`root element is <${xml.root.qname}>, not a libvirt <filter>`);
  const name = xml.root.attributes.find((a) => a.local === 'name')?.value ?? '';
  if (!name) return fail('<filter> has no name', xml.root.line, xml.root.column);
  // Checked as the file it is, so an error points at this file's line, not at where it would land in the output.
  // (A reference to a filter that is not in this file is only a warning here; the embedded package is linted after.)
  const errors = lintFilterElement(xml.root, path).filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    problems.push(...errors);
    return undefined;
  }
  return { name, element: xml.root };
}

/** The filters and port profiles the package already carries that an input replaces (same name). */
function replacedNames(env: Envelope, add: EmbedAdditions): string[] {
  const sections = readNetworkSecurity(env).sections;
  const filters = new Set(sections.flatMap((s) => s.filters.map((f) => f.name)));
  const profiles = new Set(sections.flatMap((s) => s.profiles.map((p) => p.name)));
  return [...add.filters.filter((f) => filters.has(f.name)).map((f) => `filter ${f.name}`), ...add.profiles.filter((p) => profiles.has(p.name)).map((p) => `port profile ${p.name}`)];
}

function errorKey(d: Diagnostic): string {
  return `${d.ruleId}|${d.message}|${d.locator}`;
}

/** Errors of the netsec families present after embedding and not before. */
function newErrors(before: Envelope, after: Envelope, file: string): Diagnostic[] {
  const lint = (env: Envelope) =>
    runRules({ scope: 'descriptor', file, envelope: env }).filter((d) => d.severity === 'error' && (CHECKED_FAMILIES.has(familyOf(d.ruleId)) || d.ruleId.startsWith('nwfilter-')));
  const old = new Set(lint(before).map(errorKey));
  return lint(after).filter((d) => !old.has(errorKey(d)));
}

function familyOf(ruleId: string): string {
  if (ruleId.startsWith('binding-') || ruleId.startsWith('netsec-') || ruleId.startsWith('macro-')) return 'binding';
  if (ruleId.startsWith('virtualport') || ruleId.startsWith('port-profile') || ruleId.startsWith('catalog')) return 'virtualport';
  if (ruleId.startsWith('policy-')) return 'policy';
  return ruleId.startsWith('nwfilter') ? 'nwfilter' : 'other';
}

async function prepareOutput(req: EmbedRequest, isDirectory: boolean): Promise<void> {
  if (resolve(req.out) === resolve(req.pkg)) throw new OvfpipeError('OVFPIPE_USAGE', 'output must differ from the input package');
  if (existsSync(req.out)) {
    if (!req.force) throw new OvfpipeError('OVFPIPE_USAGE', `${req.out} exists (use --force to replace it)`);
    await rm(req.out, { recursive: true, force: true });
  }
  await mkdir(isDirectory ? req.out : dirname(resolve(req.out)), { recursive: true });
}

/** Copies every member (streamed), writes the new descriptor, and updates its manifest line. */
async function writeDirectory(out: string, loaded: Awaited<ReturnType<typeof loadDescriptor>>, text: string): Promise<string[]> {
  const written: string[] = [];
  const stem = loaded.descriptorName.replace(/\.ovf$/i, '');
  for (const m of loaded.reader.list()) {
    const target = join(out, ...m.name.split('/'));
    await mkdir(dirname(target), { recursive: true });
    if (m.name === loaded.descriptorName) await writeFile(target, text);
    else if (m.name === `${stem}.mf`) {
      const manifest = (await loaded.reader.readSmall(m.name, 4 * 1024 * 1024)).toString('utf8');
      await writeFile(target, rewriteManifest(manifest, loaded.descriptorName, text));
    } else if (m.name === `${stem}.cert`)
      continue; // the old signature no longer matches; re-sign with pack --sign
    else await pipeline(await loaded.reader.open(m.name), createWriteStream(target, { flags: 'wx' }));
    written.push(target);
  }
  return written;
}

function rewriteManifest(manifest: string, descriptorName: string, text: string): string {
  const parsed = parseManifest(manifest);
  const lines = parsed.entries.map((e) => {
    if (e.name !== descriptorName) return formatManifestLine(e.algorithm, e.name, e.digest);
    return formatManifestLine(e.algorithm, e.name, createHash(NODE_HASH[e.algorithm]).update(text).digest('hex'));
  });
  return lines.join('');
}
