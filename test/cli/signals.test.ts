/**
 * Exit codes of a run a signal stopped (bin.ts aborts the CliIo's signal with
 * the signal's name): 130 for SIGINT, 143 for SIGTERM, whatever the command
 * found; and the run report's summary names resumed uploads and the signal.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { summaryLine } from '../../src/deploy/report.js';
import { abortName } from '../../src/deploy/deploy.js';

async function run(args: string[], signal?: AbortSignal) {
  let err = '';
  const code = await main(args, { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: process.cwd(), ...(signal ? { signal } : {}) });
  return { code, err };
}

describe('signals', () => {
  it('a run stopped by SIGINT exits 130, by SIGTERM 143; without a signal the usual code', async () => {
    expect((await run(['verify', '/nonexistent/pkg.ova'])).code).toBe(2);
    const int = new AbortController();
    int.abort('SIGINT');
    expect((await run(['verify', '/nonexistent/pkg.ova'], int.signal)).code).toBe(130);
    const term = new AbortController();
    term.abort('SIGTERM');
    expect((await run(['verify', '/nonexistent/pkg.ova'], term.signal)).code).toBe(143);
    // Usage errors thrown while stopping still exit by the signal.
    expect((await run(['deploy', 'x', '--tenant', 't', '--host', 'ssh://a', '--parallel', '0'], term.signal)).code).toBe(143);
  });

  it('names the signal and the resumed uploads in the summary line', () => {
    const ac = new AbortController();
    ac.abort('SIGTERM');
    expect(abortName(ac.signal)).toBe('SIGTERM');
    const other = new AbortController();
    other.abort();
    expect(abortName(other.signal)).toBe('abort');
    const line = summaryLine({
      vms: [{ name: 'a', host: 'h', status: 'failed', error: 'interrupted (signal): not applied', seconds: 1 }],
      hosts: [{ host: 'h', status: 'ok', seconds: 1, bytesUploaded: 10, resumed: [{ href: 'disk.vmdk', resumedAt: 1234 }], vms: 1 }],
      bytesUploaded: 10,
      interrupted: 'SIGINT',
    });
    expect(line).toBe('1 VM(s): 1 failed; 10 bytes uploaded (h: disk.vmdk resumed at 1234 bytes); interrupted by SIGINT');
  });
});
