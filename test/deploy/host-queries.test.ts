import { describe, expect, it } from 'vitest';
import { dfAvailableBytes, libvirtLibraryVersion, nameList, nwfilterNames, qemuImgVersion } from '../../src/deploy/host-queries.js';

describe('host query parsers', () => {
  it('read the answers of virsh, qemu-img and df as they print them', () => {
    expect(libvirtLibraryVersion('Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.1\n')).toBe('9.0.1');
    expect(qemuImgVersion('qemu-img version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u7)\n')).toBe('7.2.22');
    expect(nwfilterNames(' UUID                                   Name\n------------------------------------------------\n 83da8e54-8d2c-4b55-80d2-e489361a92e2   clean-traffic\n\n')).toEqual([
      'clean-traffic',
    ]);
    expect(nameList('default\n frontend \n\n')).toEqual(['default', 'frontend']);
    // After mkdir's (empty) output, as facts runs them in one command.
    expect(dfAvailableBytes('Filesystem     1-blocks        Used   Available Capacity Mounted on\n/dev/vda1  105089261568 21844643840 83244617728      21% /\n')).toBe(83244617728);
    expect(dfAvailableBytes('df: /nope: No such file or directory\n')).toBeUndefined();
  });
});
