import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRules } from '../../src/lint/engine.js';
import { packageRules } from '../../src/lint/rules/package/index.js';
import { parseDescriptor } from '../../src/ovf/parser.js';
import { readPackageFacts } from '../../src/package/facts.js';
import { openPackage } from '../../src/package/open.js';
import { buildTar, buildZip, tempDir } from '../helpers/archives.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

const sha = (d: Buffer | string): string => createHash('sha256').update(d).digest('hex');

function descriptor(files: string): string {
  return `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
<References>${files}</References>
<VirtualSystem ovf:id="vm"><Info>vm</Info></VirtualSystem></Envelope>`;
}

const OVF = descriptor('<File ovf:id="f1" ovf:href="disk1.vmdk" ovf:size="100"/><File ovf:id="f2" ovf:href="disk2.vmdk"/>');
const d1 = Buffer.alloc(100, 1);
const d2 = Buffer.alloc(50, 2);
const mfFor = (ovf: string): string => `SHA256(vm.ovf)= ${sha(ovf)}\nSHA256(disk1.vmdk)= ${sha(d1)}\nSHA256(disk2.vmdk)= ${sha(d2)}\n`;

async function lintOva(members: Array<[string, Buffer | string]>, zip = false) {
  const p = tmp.file(zip ? 'p.zip' : 'p.ova');
  writeFileSync(p, zip ? buildZip(members.map(([name, data]) => ({ name, data }))) : buildTar(members.map(([name, data]) => ({ name, data }))));
  const reader = await openPackage(p);
  const pkg = await readPackageFacts(reader);
  const { envelope } = parseDescriptor(await reader.readSmall(pkg.descriptorName, 1 << 20), pkg.descriptorName);
  return runRules({ scope: 'descriptor', file: pkg.descriptorName, envelope: envelope!, package: pkg }, {}, packageRules);
}

const summary = (diags: Awaited<ReturnType<typeof lintOva>>) => diags.map((d) => `${d.ruleId}:${d.severity}:${d.message}`);

describe('package lint rules', () => {
  it('find nothing in a well-formed OVA', async () => {
    expect(
      await lintOva([
        ['vm.ovf', OVF],
        ['vm.mf', mfFor(OVF)],
        ['disk1.vmdk', d1],
        ['disk2.vmdk', d2],
      ]),
    ).toEqual([]);
  });

  it('do nothing under --descriptor-only (no package facts)', () => {
    const { envelope } = parseDescriptor(OVF, 'vm.ovf');
    expect(runRules({ scope: 'descriptor', file: 'vm.ovf', envelope: envelope! }, {}, packageRules)).toEqual([]);
  });

  it('manifest-format warns on sloppy lines and errors on unreadable ones, with the manifest line', async () => {
    const mf = mfFor(OVF).replace('SHA256(disk2.vmdk)=', 'SHA-256 (disk2.vmdk) =') + 'garbage\n';
    const diags = (
      await lintOva([
        ['vm.ovf', OVF],
        ['vm.mf', mf],
        ['disk1.vmdk', d1],
        ['disk2.vmdk', d2],
      ])
    ).filter((d) => d.ruleId === 'manifest-format');
    expect(diags.map((d) => [d.severity, d.file, d.line])).toEqual([
      ['warning', 'vm.mf', 3],
      ['warning', 'vm.mf', 3],
      ['error', 'vm.mf', 4],
    ]);
    expect(diags[2]!.locator).toBe('Manifest[vm.mf]/Line[4]');
    expect(diags.map((d) => [d.messageId, d.data])).toEqual([
      ['algorithmSpelling', { written: 'SHA-256', algorithm: 'SHA256' }],
      ['spacing', { algorithm: 'SHA256', name: 'disk2.vmdk' }],
      ['unparseableLine', { text: '"garbage"' }],
    ]);
  });

  it('manifest-format renders its message from the template and data', async () => {
    const mf = mfFor(OVF) + 'garbage\n';
    const [d] = (
      await lintOva([
        ['vm.ovf', OVF],
        ['vm.mf', mf],
        ['disk1.vmdk', d1],
        ['disk2.vmdk', d2],
      ])
    ).filter((x) => x.ruleId === 'manifest-format');
    expect(d!.message).toBe('cannot parse manifest line "garbage"; expected ALG(name)= hexdigest');
  });

  it('manifest-complete reports unlisted files, unknown entries and a missing manifest', async () => {
    const mf = `SHA256(vm.ovf)= ${sha(OVF)}\nSHA256(ghost.iso)= ${'0'.repeat(64)}\n`;
    expect(
      summary(
        await lintOva([
          ['vm.ovf', OVF],
          ['vm.mf', mf],
          ['disk1.vmdk', d1],
          ['disk2.vmdk', d2],
        ]),
      ),
    ).toEqual([
      "manifest-complete:error:'disk1.vmdk' is in the package but not in the manifest vm.mf",
      "manifest-complete:error:'disk2.vmdk' is in the package but not in the manifest vm.mf",
      "manifest-complete:error:Manifest lists 'ghost.iso', which is not in the package",
    ]);
    expect(
      summary(
        await lintOva([
          ['vm.ovf', OVF],
          ['disk1.vmdk', d1],
          ['disk2.vmdk', d2],
        ]),
      ),
    ).toEqual(['manifest-complete:warning:Package has no manifest (vm.mf); its files cannot be integrity-checked']);
  });

  it('ova-member-order errors when the descriptor is not first and warns about the rest', async () => {
    const diags = await lintOva([
      ['disk2.vmdk', d2],
      ['vm.ovf', OVF],
      ['vm.mf', mfFor(OVF)],
      ['disk1.vmdk', d1],
    ]);
    expect(diags.filter((d) => d.ruleId === 'ova-member-order').map((d) => [d.severity, d.locator])).toEqual([
      ['error', 'Package/Member[vm.ovf]'],
      ['warning', 'Package/Member[vm.mf]'],
      ['warning', 'Package/Member[disk1.vmdk]'],
    ]);
    expect(diags.filter((d) => d.ruleId === 'ova-member-order').map((d) => [d.messageId, d.data])).toEqual([
      ['descriptor-not-first', { descriptor: 'vm.ovf', position: 2 }],
      ['companions-misplaced', { companions: '"vm.mf"', positions: '3' }],
      ['references-order', { member: 'disk1.vmdk', after: 'disk2.vmdk' }],
    ]);
    expect(diags.find((d) => d.messageId === 'descriptor-not-first')!.message).toBe('descriptor "vm.ovf" is member 2, but it must be the first member (DSP0243 §5.3)');
  });

  it('ova-member-order does not apply to zips and directories', async () => {
    const diags = await lintOva(
      [
        ['disk2.vmdk', d2],
        ['vm.ovf', OVF],
        ['vm.mf', mfFor(OVF)],
        ['disk1.vmdk', d1],
      ],
      true,
    );
    expect(diags.filter((d) => d.ruleId === 'ova-member-order')).toEqual([]);
  });

  it('reference-file-present reports missing files and sizes that differ, at the File element', async () => {
    const small = Buffer.alloc(99, 1);
    const mf = `SHA256(vm.ovf)= ${sha(OVF)}\nSHA256(disk1.vmdk)= ${sha(small)}\n`;
    const diags = (
      await lintOva([
        ['vm.ovf', OVF],
        ['vm.mf', mf],
        ['disk1.vmdk', small],
      ])
    ).filter((d) => d.ruleId === 'reference-file-present');
    expect(diags.map((d) => [d.message, d.locator, d.line > 0])).toEqual([
      ["File 'f1' declares ovf:size=\"100\" but member 'disk1.vmdk' is 99 bytes", 'References/File[f1]', true],
      ["File 'f2' (disk2.vmdk) is not in the package: no member 'disk2.vmdk'", 'References/File[f2]', true],
    ]);
  });

  it('reference-file-present expects every chunk and skips the size check for chunked and compressed files', async () => {
    const ovf = descriptor('<File ovf:id="big" ovf:href="big.vmdk" ovf:size="250" ovf:chunkSize="100"/><File ovf:id="z" ovf:href="z.gz" ovf:size="1" ovf:compression="gzip"/>');
    const members: Array<[string, Buffer | string]> = [
      ['vm.ovf', ovf],
      ['big.vmdk.000000000', d1],
      ['big.vmdk.000000002', d2],
      ['z.gz', 'zz'],
    ];
    const diags = (await lintOva(members)).filter((d) => d.ruleId === 'reference-file-present');
    expect(summary(diags)).toEqual(["reference-file-present:error:File 'big' (big.vmdk) is not in the package: no member 'big.vmdk.000000001'"]);
  });

  it('unreferenced-member warns about members nothing names', async () => {
    const diags = await lintOva([
      ['vm.ovf', OVF],
      ['vm.mf', mfFor(OVF)],
      ['disk1.vmdk', d1],
      ['disk2.vmdk', d2],
      ['notes/readme.txt', 'hi'],
    ]);
    expect(summary(diags)).toEqual(["unreferenced-member:warning:Member 'notes/readme.txt' is not referenced by the descriptor"]);
  });
});

describe('package rule registry', () => {
  const dir = join(import.meta.dirname, '../../src/lint/rules/package');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .map((f) => f.replace(/\.ts$/, ''));

  it('registers every rule file under an id equal to its file name', () => {
    expect(packageRules.map((r) => r.meta.id).sort()).toEqual(files.sort());
    for (const r of packageRules) expect(r.meta.family).toBe('package');
  });

  it('documents every rule in docs/rules', () => {
    for (const id of files) expect(existsSync(join(import.meta.dirname, `../../docs/rules/${id}.md`)), id).toBe(true);
  });
});
