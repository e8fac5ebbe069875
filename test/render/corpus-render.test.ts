/**
 * Every descriptor of the govmomi and COT corpora that lints clean renders
 * with --descriptor-only (no member read), and every rendered domain passes
 * libvirt's RNG (one xmllint --relaxng pass over all of them), given a value
 * for each property a deployer must set (as filled into `spec`'s template).
 * The counts are printed for the record.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lintFiles } from '../../src/actions/lint-files.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { readFileSync } from 'node:fs';
import { renderedDomainTree, renderPackage } from '../../src/render/render-package.js';
import { domainNeeds, domainNeedsOf } from '../../src/deploy/capabilities.js';
import { elementView } from '../../src/xml/node-view.js';
import { parseXml } from '../../src/xml/parse.js';
import type { XmlElement } from '../../src/xml/element.js';
import { renderOptions } from '../../src/render/options.js';
import { productSectionsFor } from '../../src/render/resolve-vm.js';
import { toVarScope, type VarsFile, type VmVars } from '../../src/macros/vars.js';
import { virtualSystems, type Envelope } from '../../src/ovf/model.js';
import { corpusPath, inCI, walkFiles } from '../helpers/corpus.js';

const DOMAIN_RNG = '/usr/share/libvirt/schemas/domain.rng';
const hasRng = spawnSync('xmllint', ['--version']).status === 0 && spawnSync('test', ['-f', DOMAIN_RNG]).status === 0;
if (!hasRng && inCI) throw new Error(`xmllint and ${DOMAIN_RNG} (libvirt-clients) are required in CI`);

const tmp = mkdtempSync(join(tmpdir(), 'ovfpipe-corpus-render-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Lint-clean descriptors whose VM cannot be rendered whole: a disk Item with no
 * HostResource and no size names nothing to attach, and render refuses to
 * deploy a VM without one of its disks (exit 1, located at the Item).
 */
const EXPECTED_RENDER_ERRORS: Record<string, string> = {
  'govmomi/category-grouping.ovf': 'VirtualSystem[category-vm]/Item[InstanceID=4]: disk cannot be rendered: it has no HostResource',
};

/** A value of each OVF property type, for the properties a deployer must give (user-configurable, no default). */
const SAMPLE: Record<string, string> = { boolean: 'true', real32: '1', real64: '1', char16: 'x', string: 'x' };
const sample = (type: string) => SAMPLE[type] ?? (/int/.test(type) ? '1' : 'x');

/** What a user fills into `spec`'s template: a value for every required property, per VM, by its OVF environment name. */
function requiredValues(env: Envelope, configuration?: string): VarsFile {
  const vms = new Map<string, VmVars>();
  for (const vs of virtualSystems(env.content)) {
    const values: Record<string, string> = {};
    for (const ps of productSectionsFor(env, vs.id))
      for (const p of ps.properties) {
        const fallback = (configuration !== undefined ? p.values.find((v) => v.configuration === configuration)?.value : undefined) ?? p.defaultValue;
        if (p.key && p.userConfigurable && (fallback === undefined || fallback === '')) values[[ps.class, p.key, ps.instance].filter(Boolean).join('.')] = sample(p.type);
      }
    vms.set(vs.id, { vars: toVarScope(values), nics: new Map() });
  }
  return { form: 'full', defaults: new Map(), tenants: new Map([['t', { vars: new Map(), vms }]]) };
}

/** An element's names, attributes and trimmed text, recursively: what readers of the tree see. */
function shape(el: XmlElement): unknown {
  const attrs = el.attributes.map((a) => [a.ns, a.local, a.value]).sort((a, b) => a.join('\u0000').localeCompare(b.join('\u0000')));
  return [el.ns, el.local, attrs, el.text.trim(), el.children.map(shape)];
}

describe('rendering the reference corpus', () => {
  const root = corpusPath();
  it.skipIf(!root)('renders every descriptor that lints clean, and libvirt accepts 100% of them', async () => {
    const files = [...walkFiles(`${root}/govmomi`, (n) => n.endsWith('.ovf')), ...walkFiles(`${root}/cot`, (n) => n.endsWith('.ovf'))];
    const results = await lintFiles(files, { descriptorOnly: true });
    const clean = results.filter((r) => !r.diagnostics.some((d) => d.severity === 'error')).map((r) => r.file);
    const written: string[] = [];
    const failures: string[] = [];
    for (const [i, file] of clean.entries()) {
      const env = parseDescriptor(readFileSync(file), file).envelope!;
      try {
        const r = renderPackage({ envelope: env, packageName: file, tenant: 't', vars: requiredValues(env), storageRoot: '/var/lib/ovfpipe', options: renderOptions(), digests: new Map() });
        const errors = r.diagnostics.filter((d) => d.severity === 'error');
        const expected = Object.entries(EXPECTED_RENDER_ERRORS).find(([name]) => file.endsWith(`/${name}`));
        if (expected) expect(errors.map((e) => e.message)).toEqual([expected[1]]);
        else if (errors.length > 0) failures.push(`${file}: ${errors[0]!.message}`);
        r.domains.forEach((d, k) => {
          // Deploy reads what a domain needs from render's own tree (node-view.ts): it must be the tree its xml parses to.
          const tree = renderedDomainTree(d);
          const parsed = parseXml(d.xml);
          if (!tree || !parsed.ok) failures.push(`${file}: ${d.name}: no render tree, or its xml does not parse`);
          else if (JSON.stringify(shape(elementView(tree))) !== JSON.stringify(shape(parsed.root)) || JSON.stringify(domainNeedsOf(elementView(tree))) !== JSON.stringify(domainNeeds(d.xml)))
            failures.push(`${file}: ${d.name}: render's tree differs from its parsed xml`);
          const out = join(tmp, `${i}-${k}.xml`);
          writeFileSync(out, d.xml);
          written.push(out);
        });
      } catch (e) {
        failures.push(`${file}: ${(e as Error).message}`);
      }
    }
    let invalid: string[] = [];
    if (hasRng) {
      const v = spawnSync('xmllint', ['--noout', '--relaxng', DOMAIN_RNG, ...written], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      invalid = v.stderr.split('\n').filter((l) => l.endsWith('fails to validate'));
    }
    console.log(
      `corpus render (--descriptor-only): ${files.length} descriptors, ${clean.length} lint clean, ${clean.length - failures.length} rendered (${written.length} domains), ` +
        `${written.length - invalid.length}/${written.length} pass libvirt's domain RNG${hasRng ? '' : ' (RNG not checked: xmllint or domain.rng missing)'}`,
    );
    expect(failures).toEqual([]);
    expect(invalid).toEqual([]);
  });
});
