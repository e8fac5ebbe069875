/**
 * Goldens for real-world appliance forms (test/fixtures/appliances): a UEFI
 * VMware export with secure boot, a VirtualBox EFI export, a XenServer export
 * whose disk is a ResourceType 19 Storage Extent, and a multi-configuration
 * appliance (default and `large`). Every document passes libvirt's RNG.
 * Regenerate deliberately with `-u` and review the diff.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSettings } from '../../src/render/option-table.js';
import { renderToDir } from '../../src/actions/render-to-dir.js';
import { tempDir } from '../helpers/archives.js';
import { inCI } from '../helpers/corpus.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/appliances');
const hasValidator = spawnSync('virt-xml-validate', ['--help']).error === undefined;
if (!hasValidator && inCI) throw new Error('virt-xml-validate (libvirt-clients) is required in CI');
const tmp = tempDir('ovfpipe-appliance-golden-');
afterAll(() => tmp.cleanup());

const CASES: Array<{ golden: string; file: string; settings?: Parameters<typeof renderSettings>[0]; firmware: string }> = [
  { golden: 'vmware-uefi', file: 'vmware-uefi.ovf', firmware: 'efi-secure' },
  { golden: 'vbox-efi', file: 'vbox-efi.ovf', firmware: 'efi' },
  { golden: 'xenserver-rt19', file: 'xenserver-rt19.ovf', firmware: 'bios' },
  { golden: 'multi-config', file: 'multi-config.ovf', firmware: 'bios' },
  { golden: 'multi-config-large', file: 'multi-config.ovf', settings: { configuration: 'large' }, firmware: 'bios' },
];

describe('appliance goldens', () => {
  for (const c of CASES)
    it(`renders ${c.golden} as the goldens say (firmware ${c.firmware}), and libvirt's RNG accepts it`, async () => {
      const out = tmp.file(c.golden);
      const { options, configuration } = renderSettings(c.settings ?? {});
      const r = await renderToDir({ pkg: join(FIXTURES, c.file), tenant: 'demo', out, descriptorOnly: true, options, configuration });
      expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      const files = readdirSync(out)
        .filter((f) => f !== 'nwfilter')
        .sort();
      for (const f of files) await expect(readFileSync(join(out, f), 'utf8')).toMatchFileSnapshot(join('../golden/appliances', c.golden, f));
      const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { domains: Array<{ firmware: string }> };
      expect(plan.domains.map((d) => d.firmware)).toEqual([c.firmware]);
      if (!hasValidator) return;
      for (const f of files.filter((x) => x.endsWith('.xml'))) {
        const v = spawnSync('virt-xml-validate', [join(out, f), 'domain'], { encoding: 'utf8' });
        expect(v.status, `${f}: ${v.stderr}`).toBe(0);
      }
    });
});
