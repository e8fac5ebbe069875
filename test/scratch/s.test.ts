import { join } from 'node:path';
import { it } from 'vitest';
import { runCli } from '../helpers/cli.js';
const E = join(import.meta.dirname, '../../examples');
it('scratch', async () => {
  for (const [pkg, vars] of [['web-appliance', 'web-appliance'], ['secure-web', 'secure-web'], ['two-tier', 'two-tier'], ['web-appliance', '']]) {
    const r = await runCli(['render', join(E, pkg), '--tenant', 'demo', ...(vars ? ['--vars', join(E, `vars/${vars}.yaml`)] : []), '--out', `/tmp/i14a-scratch-${pkg}`]);
    console.log(pkg, r.code, r.out, r.err);
  }
  const r = await runCli(['plan', join(E, 'provision/pipeline.yaml'), '--offline']);
  console.log('plan', r.code, r.out.slice(0, 100), r.err);
});
