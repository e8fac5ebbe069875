import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/deploy/progress.js';

describe('deploy progress', () => {
  it('prints plain lines off a TTY', () => {
    let out = '';
    const p = createProgress({ write: (s: string) => (out += s), isTTY: false });
    p.planned(2);
    p.bytes('h1', 1024);
    p.log('h1: uploading web.vmdk');
    p.vm({ name: 'web', host: 'h1', status: 'created', seconds: 1 });
    p.vm({ name: 'db', host: 'h1', status: 'failed', error: 'virsh define: boom', seconds: 1 });
    p.stop();
    // Each VM is a line as it lands; bars and byte counts are TTY-only.
    expect(out).toBe('h1: uploading web.vmdk\nh1: web created\nh1: db failed: virsh define: boom\n');
  });

  it('draws a VM bar and one bar per host on a TTY', () => {
    let out = '';
    const stream = {
      write: (s: string) => ((out += s), true),
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => stream,
      removeListener: () => stream,
    };
    const p = createProgress(stream);
    p.planned(2);
    p.bytes('ssh://root@h1', 3 * 2 ** 20);
    p.vm({ name: 'a', host: 'h1', status: 'created', seconds: 1 });
    p.stop();
    expect(out).toContain('VMs');
    expect(out).toContain('ssh://root@h1');
    expect(out).toContain('MiB sent');
    expect(out).toContain('h1: a created');
  });
});
