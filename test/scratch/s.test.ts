import { join } from 'node:path';
import { it } from 'vitest';
import { runCli } from '../helpers/cli.js';
const E = join(import.meta.dirname, '../../examples');
it('scratch', async () => {
  for (const p of ['two-tier', 'secure-web']) { const s = await runCli(['spec', join(E, p)]); console.log(s.out); }
});
