/**
 * Goldens: the render output of every package under examples/ is checked as
 * file snapshots (test/golden/<example>/…), and every rendered document
 * passes libvirt's RNG schemas. Regenerate deliberately with
 * `npx vitest run test/render/goldens.test.ts -u` and review the diff;
 * CI never writes snapshots.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderToDir } from '../../src/actions/render-to-dir.js';
import { renderOptions } from '../../src/render/options.js';
import { inCI } from '../helpers/corpus.js';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const packages = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(join(EXAMPLES, d.name)).some((f) => f.endsWith('.ovf')))
  .map((d) => d.name)
  .sort();

const hasValidator = spawnSync('virt-xml-validate', ['--help']).error === undefined;
if (!hasValidator && inCI) throw new Error('virt-xml-validate (libvirt-clients) is required in CI');
if (!hasValidator) console.warn('\n*** SKIPPING RNG checks of goldens: virt-xml-validate not installed (apt install libvirt-clients) ***\n');

const tmp = mkdtempSync(join(tmpdir(), 'ovfpipe-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('render goldens', () => {
  it('covers at least the two shipped packages', () => {
    expect(packages).toEqual(expect.arrayContaining(['secure-web', 'web-appliance']));
  });

  for (const name of packages) {
    it(`renders examples/${name} exactly as the goldens say, and libvirt's RNG accepts it`, async () => {
      const out = join(tmp, name);
      const vars = join(EXAMPLES, 'vars', `${name}.yaml`);
      const r = await renderToDir({ pkg: join(EXAMPLES, name), tenant: 'demo', varsFile: existsSync(vars) ? vars : undefined, out, options: renderOptions() });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const files = [...readdirSync(out).filter((f) => !f.endsWith('.iso') && f !== 'nwfilter'), ...readdirSync(join(out, 'nwfilter')).map((f) => `nwfilter/${f}`)].sort();
      for (const f of files) await expect(readFileSync(join(out, f), 'utf8')).toMatchFileSnapshot(join('../golden', name, f));
      if (!hasValidator) return;
      for (const f of files.filter((x) => x.endsWith('.xml') && !x.endsWith('.ovf-env.xml'))) {
        const v = spawnSync('virt-xml-validate', [join(out, f), f.startsWith('nwfilter/') ? 'nwfilter' : 'domain'], { encoding: 'utf8' });
        expect(v.status, `${f}: ${v.stderr}`).toBe(0);
      }
    });
  }
});
