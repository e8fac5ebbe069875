/**
 * End to end through the CLI: every kind of hostile or broken package ends in
 * exit 1 with a clear, located diagnostic — never a stack trace, a hang or a
 * file written. Archives are built in code (after node-tar's make-tar).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildTar, buildZip, paxEntry, tempDir } from '../helpers/archives.js';

const GOOD_OVF = readFileSync(new URL('../../examples/web-appliance/web-appliance.ovf', import.meta.url));
const tmp = tempDir('ovfpipe-hostile-');
afterAll(() => tmp.cleanup());

const run = runCli;

const cases: Array<[string, () => Buffer, RegExp]> = [
  [
    'a tar member escaping with ../',
    () =>
      buildTar([
        { name: 'x.ovf', data: GOOD_OVF },
        { name: '../../evil.vmdk', data: 'x' },
      ]),
    /\.\./,
  ],
  [
    'a tar member with an absolute path',
    () =>
      buildTar([
        { name: 'x.ovf', data: GOOD_OVF },
        { name: '/etc/passwd', data: 'x' },
      ]),
    /absolute/i,
  ],
  ['a pax path override that escapes', () => buildTar([{ name: 'x.ovf', data: GOOD_OVF }, paxEntry({ path: '../escape' }), { name: 'ok.vmdk', data: 'x' }]), /\.\./],
  [
    'a symlink member',
    () =>
      buildTar([
        { name: 'x.ovf', data: GOOD_OVF },
        { name: 'disk.vmdk', type: '2', linkName: '/etc/shadow' },
      ]),
    /link/i,
  ],
  [
    'a hard link member',
    () =>
      buildTar([
        { name: 'x.ovf', data: GOOD_OVF },
        { name: 'disk.vmdk', type: '1', linkName: 'x.ovf' },
      ]),
    /link/i,
  ],
  [
    'a device member',
    () =>
      buildTar([
        { name: 'x.ovf', data: GOOD_OVF },
        { name: 'dev', type: '3' },
      ]),
    /device|type/i,
  ],
  [
    'duplicate member names',
    () =>
      buildTar([
        { name: 'x.ovf', data: GOOD_OVF },
        { name: 'a.vmdk', data: '1' },
        { name: 'a.vmdk', data: '2' },
      ]),
    /duplicate/i,
  ],
  [
    'a truncated tar',
    () =>
      buildTar(
        [
          { name: 'x.ovf', data: GOOD_OVF },
          { name: 'a.vmdk', data: Buffer.alloc(4096, 1) },
        ],
        { truncateTo: 2048 },
      ),
    /truncat|ends|short/i,
  ],
  ['a member whose size lies', () => buildTar([{ name: 'x.ovf', data: GOOD_OVF, size: 10 ** 9 }]), /truncat|ends|size|short/i],
  ['corrupt gzip', () => Buffer.concat([gzipSync(buildTar([{ name: 'x.ovf', data: GOOD_OVF }])).subarray(0, 60), Buffer.alloc(40, 7)]), /gzip|corrupt|unexpected|truncat/i],
  ['an empty file', () => Buffer.alloc(0), /empty/i],
  ['random bytes', () => Buffer.from('\x00\x01\x02garbage that is not a package'.repeat(40)), /not an OVF package/i],
  [
    'a zip member escaping with ../',
    () =>
      buildZip([
        { name: 'x.ovf', data: GOOD_OVF },
        { name: '../evil', data: 'x' },
      ]),
    /\.\./,
  ],
  ['a truncated zip', () => buildZip([{ name: 'x.ovf', data: GOOD_OVF }], { truncateTo: 300 }), /zip|central|truncat|corrupt/i],
  [
    'a zip bomb',
    () =>
      buildZip([
        { name: 'x.ovf', data: GOOD_OVF },
        { name: 'bomb.vmdk', data: Buffer.alloc(50 * 1024 * 1024), method: 8 },
      ]),
    /ratio|bomb|compress/i,
  ],
];

const descriptorCases: Array<[string, string | Buffer, RegExp]> = [
  ['a billion-laughs DOCTYPE', '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Envelope>&b;</Envelope>', /DOCTYPE/],
  ['an external entity', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Envelope>&e;</Envelope>', /DOCTYPE/],
  ['absurd nesting depth', '<Envelope>' + '<a>'.repeat(5000) + '</a>'.repeat(5000) + '</Envelope>', /deeper/],
  ['invalid UTF-8', Buffer.concat([Buffer.from('<Envelope>'), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from('</Envelope>')]), /UTF-8/],
  ['non-XML text in an .ovf', '<this is not xml', /well-formed|unterminated/i],
  ['a descriptor that is not an OVF envelope', '<html><body/></html>', /not an OVF <Envelope>/],
];

describe('hostile packages through the CLI', () => {
  for (const [what, build, pattern] of cases) {
    it(`ends ${what} in exit 1 with a clear diagnostic`, async () => {
      const file = tmp.file(`case-${what.replace(/\W+/g, '-')}.ova`);
      writeFileSync(file, build());
      const before = readdirSync(tmp.dir).length;
      for (const cmd of ['lint', 'verify', 'inspect']) {
        const r = await run([cmd, ...(cmd === 'lint' ? ['--format', 'json'] : ['--json']), file]);
        expect(r.code, `${cmd}: ${r.out}${r.err}`).toBe(1);
        expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
        expect(r.out).toMatch(pattern);
      }
      expect(readdirSync(tmp.dir).length).toBe(before);
    });
  }

  for (const [what, text, pattern] of descriptorCases) {
    it(`ends a descriptor with ${what} in exit 1 with a located diagnostic`, async () => {
      const file = tmp.file(`d-${what.replace(/\W+/g, '-')}.ovf`);
      writeFileSync(file, text);
      const r = await run(['lint', '--format', 'json', file]);
      expect(r.code).toBe(1);
      const [result] = JSON.parse(r.out) as Array<{ diagnostics: Array<{ message: string; line: number }> }>;
      expect(result!.diagnostics[0]!.message).toMatch(pattern);
      const ova = tmp.file(`d-${what.replace(/\W+/g, '-')}.ova`);
      writeFileSync(ova, buildTar([{ name: 'x.ovf', data: text }]));
      expect((await run(['verify', ova])).code).toBe(1);
    });
  }

  it('refuses an oversized descriptor by its size', async () => {
    const file = tmp.file('huge.ovf');
    writeFileSync(file, `<Envelope>${' '.repeat(33 * 1024 * 1024)}</Envelope>`);
    const r = await run(['lint', '--format', 'json', file]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/limit/);
  });
});

describe('CLI contract', () => {
  it('lints, verifies and inspects the example package cleanly', async () => {
    expect((await run(['lint', 'examples/web-appliance'])).code).toBe(0);
    const v = await run(['verify', '--json', 'examples/web-appliance']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ ok: true, descriptor: 'web-appliance.ovf' });
    const i = await run(['inspect', '--json', 'examples/web-appliance']);
    expect(JSON.parse(i.out).envelope.virtualSystems[0]).toMatchObject({ id: 'web', cpus: 1, memoryBytes: 256 * 2 ** 20 });
  });

  it('exits 2 on usage errors and unreadable paths', async () => {
    expect((await run(['lint'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['lint', '/nonexistent/path.ovf'])).code).toBe(2);
    expect((await run(['lint', '--format', 'nope', 'examples/web-appliance'])).code).toBe(2);
  });

  it('makes warnings fail under --strict and honours --rule overrides', async () => {
    const file = tmp.file('warn.ovf');
    writeFileSync(file, GOOD_OVF.toString().replace(/<OperatingSystemSection[\s\S]*?<\/OperatingSystemSection>/, ''));
    expect((await run(['lint', '--descriptor-only', file])).code).toBe(0);
    expect((await run(['lint', '--descriptor-only', '--strict', file])).code).toBe(1);
    expect((await run(['lint', '--descriptor-only', '--strict', '--rule', 'virtual-hardware=off', file])).code).toBe(0);
    expect((await run(['lint', '--descriptor-only', '--rule', 'virtual-hardware=error', file])).code).toBe(1);
  });

  it('prints --help and --version with exit 0', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/lint/);
    expect((await run(['--version'])).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
