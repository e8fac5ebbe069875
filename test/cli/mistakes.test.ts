/**
 * The mistake table: for every command, the mistakes users make (missing arguments and flags, unknown flags,
 * missing files, the wrong kind of file, directories where files belong, empty files, bad values, outputs that
 * cannot be written). Each must end with its documented exit code (2 usage or IO, 1 bad content), a short clear
 * message on stderr, no stack trace, and nothing written.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const D = mkdtempSync(join(tmpdir(), 'ovfpipe-mistakes-'));
afterAll(() => rmSync(D, { recursive: true, force: true }));

const at = (name: string) => join(D, name);
const PKG = resolve('examples/secure-web');
const GATE = resolve('pipeline/image-release.yaml');
const MISSING = at('missing/nothing-here');
/** A folder that does not exist (inside D, so that anything created there fails the nothing-written check). */
const NO_DIR = at('no-such-folder');

writeFileSync(at('empty.yaml'), '');
writeFileSync(at('list.yaml'), '- a\n- b\n');
writeFileSync(at('broken.yaml'), 'version: 1\npackages: { web: [unclosed\n');
writeFileSync(at('text.txt'), 'hello, this is not a package\n');
writeFileSync(at('empty.ova'), '');
writeFileSync(at('list-vars.yaml'), '- a\n- b\n');
writeFileSync(at('not-a-report.json'), '{}\n');
writeFileSync(at('array.json'), '[1, 2]\n');
writeFileSync(at('report.json'), JSON.stringify({ vms: [], hosts: [], bytesUploaded: 0 }));
writeFileSync(at('not-a-filter.xml'), '<domain type="kvm"/>\n');
writeFileSync(at('empty.xml'), '');
writeFileSync(at('empty.json'), '');
mkdirSync(at('a-dir'));
mkdirSync(at('empty-dir'));

interface Mistake {
  argv: string[];
  code: 1 | 2;
  /** What the first line of the message must say. */
  says: RegExp;
}

/** [command, what is wrong, argv, exit code, message]. */
const TABLE: Array<[string, string, Mistake]> = [
  ['ovfpipe', 'an unknown command', { argv: ['frobnicate'], code: 2, says: /unknown command 'frobnicate'/ }],
  ['ovfpipe', 'an unknown flag', { argv: ['--bogus'], code: 2, says: /unknown option '--bogus'/ }],

  ['lint', 'no path', { argv: ['lint'], code: 2, says: /missing required argument 'path'/ }],
  ['lint', 'a missing file', { argv: ['lint', MISSING], code: 2, says: /cannot open .*nothing-here/ }],
  ['lint', 'a text file as a package', { argv: ['lint', at('text.txt')], code: 1, says: /text\.txt/ }],
  ['lint', 'an empty .ova', { argv: ['lint', at('empty.ova')], code: 1, says: /empty\.ova/ }],
  ['lint', 'an empty directory', { argv: ['lint', at('empty-dir')], code: 1, says: /empty-dir/ }],
  ['lint', 'an unknown format', { argv: ['lint', '--format', 'xml', PKG], code: 2, says: /--format 'xml': expected stylish, json, sarif, junit/ }],
  ['lint', 'SARIF into a missing folder', { argv: ['lint', '-f', 'sarif', '-o', `${NO_DIR}/x.sarif`, PKG], code: 2, says: /cannot write lint output .*folder .* does not exist/ }],
  ['lint', 'a directory as the output file', { argv: ['lint', '-o', at('a-dir'), PKG], code: 2, says: /a-dir: it is a directory/ }],
  ['lint', 'a bad --rule', { argv: ['lint', '--rule', 'nope', PKG], code: 2, says: /--rule|nope/ }],
  ['lint', 'a missing --config', { argv: ['lint', '--config', MISSING, PKG], code: 2, says: /nothing-here/ }],
  ['lint', 'a flag without its value', { argv: ['lint', PKG, '--format'], code: 2, says: /option '-f, --format <name>' argument missing/ }],

  ['verify', 'no package', { argv: ['verify'], code: 2, says: /missing required argument/ }],
  ['verify', 'a missing package', { argv: ['verify', MISSING], code: 2, says: /nothing-here/ }],
  ['verify', 'a text file', { argv: ['verify', at('text.txt')], code: 1, says: /text\.txt|descriptor|package/ }],
  ['verify', 'an empty directory', { argv: ['verify', at('empty-dir')], code: 1, says: /empty-dir|descriptor/ }],

  ['inspect', 'a missing package', { argv: ['inspect', MISSING], code: 2, says: /nothing-here/ }],
  ['inspect', 'an empty .ova', { argv: ['inspect', at('empty.ova')], code: 1, says: /empty\.ova|archive|package/ }],
  ['inspect', 'a disk image instead of a package', { argv: ['inspect', resolve('examples/secure-web/web-disk1.vmdk')], code: 1, says: /is not an OVF package/ }],
  ['inspect', 'two packages', { argv: ['inspect', PKG, PKG], code: 2, says: /too many arguments/ }],

  ['spec', 'no package', { argv: ['spec'], code: 2, says: /missing required argument/ }],
  ['spec', 'a text file', { argv: ['spec', at('text.txt')], code: 1, says: /text\.txt|descriptor|package/ }],

  ['render', 'no --tenant', { argv: ['render', PKG, '--out', at('r1')], code: 2, says: /required option '-t, --tenant/ }],
  ['render', 'a missing vars file', { argv: ['render', PKG, '--tenant', 't', '--out', at('r2'), '--vars', MISSING], code: 2, says: /vars file .*nothing-here/ }],
  ['render', 'a vars file that is a list', { argv: ['render', PKG, '--tenant', 't', '--out', at('r3'), '--vars', at('list-vars.yaml')], code: 1, says: /list-vars\.yaml/ }],
  ['render', 'an empty vars file (the values it should hold are missing)', { argv: ['render', PKG, '--tenant', 't', '--out', at('r6'), '--vars', at('empty.yaml')], code: 1, says: /is not set/ }],
  ['render', 'a directory as the vars file', { argv: ['render', PKG, '--tenant', 't', '--out', at('r4'), '--vars', at('a-dir')], code: 2, says: /a-dir/ }],
  ['render', 'a bad --domain-type', { argv: ['render', PKG, '--tenant', 't', '--out', at('r5'), '--domain-type', 'xen'], code: 2, says: /xen/ }],
  ['render', 'an output under a file', { argv: ['render', PKG, '--tenant', 't', '--out', `${at('text.txt')}/r`, '--vars', resolve('examples/vars/secure-web.yaml')], code: 2, says: /text\.txt/ }],

  ['deploy', 'no --host', { argv: ['deploy', PKG, '--tenant', 't'], code: 2, says: /required option '--host/ }],
  ['deploy', 'no --host, dry run', { argv: ['deploy', PKG, '--tenant', 't', '--dry-run'], code: 2, says: /required option '--host/ }],
  ['deploy', 'a bad --parallel', { argv: ['deploy', PKG, '--host', 'ssh://root@127.0.0.1:1', '--tenant', 't', '--parallel', 'zero'], code: 2, says: /--parallel 'zero'/ }],
  ['deploy', 'a bad --disk-mode', { argv: ['deploy', PKG, '--host', 'ssh://root@127.0.0.1:1', '--tenant', 't', '--disk-mode', 'copy'], code: 2, says: /--disk-mode 'copy'/ }],
  ['deploy', 'a report into a missing folder', { argv: ['deploy', PKG, '--host', 'ssh://root@127.0.0.1:1', '--tenant', 't', '--report', `${NO_DIR}/r.json`], code: 2, says: /cannot write report/ }],
  ['deploy', 'a missing vars file', { argv: ['deploy', PKG, '--host', 'ssh://root@127.0.0.1:1', '--tenant', 't', '--vars', MISSING], code: 2, says: /vars file .*nothing-here/ }],

  ['destroy', 'a package without --host', { argv: ['destroy', PKG], code: 2, says: /needs --host and --tenant/ }],
  ['destroy', 'a missing pipeline file', { argv: ['destroy', at('missing.yaml')], code: 2, says: /missing\.yaml/ }],

  ['hosts probe', 'no --host', { argv: ['hosts', 'probe'], code: 2, says: /required option '--host/ }],

  ['pack', 'no -o', { argv: ['pack', PKG], code: 2, says: /required option '-o/ }],
  ['pack', 'an output under a file', { argv: ['pack', PKG, '-o', `${at('text.txt')}/x.ova`], code: 2, says: /text\.txt/ }],
  ['pack', 'the package itself as the output', { argv: ['pack', PKG, '-o', PKG], code: 2, says: /exists \(use --force/ }],
  ['pack', 'an unknown digest', { argv: ['pack', PKG, '-o', at('x1.ova'), '--digest', 'md5'], code: 2, says: /md5/ }],
  ['pack', 'a missing signing key', { argv: ['pack', PKG, '-o', at('x2.ova'), '--sign', MISSING, '--cert', MISSING], code: 2, says: /nothing-here/ }],
  ['pack', 'a text file as the package', { argv: ['pack', at('text.txt'), '-o', at('x3.ova')], code: 1, says: /text\.txt|descriptor|package/ }],

  ['netsec show', 'a text file', { argv: ['netsec', 'show', at('text.txt')], code: 1, says: /text\.txt|descriptor|package/ }],
  ['netsec embed', 'nothing to embed', { argv: ['netsec', 'embed', PKG, '-o', at('e1')], code: 2, says: /nothing to embed/ }],
  ['netsec embed', 'a missing filter file', { argv: ['netsec', 'embed', PKG, '-o', at('e2'), '--filter', MISSING], code: 2, says: /nothing-here/ }],
  ['netsec embed', 'a domain document as a filter', { argv: ['netsec', 'embed', PKG, '-o', at('e3'), '--filter', at('not-a-filter.xml')], code: 1, says: /not-a-filter\.xml.*not a libvirt <filter>/ }],
  ['netsec embed', 'an empty filter file', { argv: ['netsec', 'embed', PKG, '-o', at('e5'), '--filter', at('empty.xml')], code: 1, says: /empty\.xml:1:1: error: document is empty/ }],
  ['netsec embed', 'a bad --bind', { argv: ['netsec', 'embed', PKG, '-o', at('e4'), '--bind', 'nonsense'], code: 1, says: /--bind|nonsense/ }],
  ['netsec graph', 'an unknown format', { argv: ['netsec', 'graph', PKG, '--format', 'png'], code: 2, says: /png/ }],
  ['netsec sync', 'no --to', { argv: ['netsec', 'sync', 'dom'], code: 2, says: /required option '--to/ }],

  ['plan', 'no pipeline file', { argv: ['plan'], code: 2, says: /missing required argument/ }],
  ['plan', 'a missing pipeline file', { argv: ['plan', at('missing.yaml'), '--offline'], code: 2, says: /missing\.yaml/ }],
  ['plan', 'an empty pipeline file', { argv: ['plan', at('empty.yaml'), '--offline'], code: 1, says: /empty\.yaml:1:1: error: .*it is empty/ }],
  ['plan', 'a pipeline file holding a list', { argv: ['plan', at('list.yaml'), '--offline'], code: 1, says: /list\.yaml:1:1: error: .*it holds a list/ }],
  ['plan', 'a pipeline that is not YAML', { argv: ['plan', at('broken.yaml'), '--offline'], code: 1, says: /broken\.yaml:\d+:\d+/ }],
  ['plan', 'a directory as the pipeline', { argv: ['plan', at('a-dir'), '--offline'], code: 2, says: /a-dir/ }],
  ['plan', 'a bad --shard', { argv: ['plan', GATE, '--offline', '--shard', '0/2'], code: 2, says: /--shard '0\/2'/ }],
  ['plan', '--shard auto outside CI', { argv: ['plan', GATE, '--offline', '--shard', 'auto'], code: 2, says: /CI_NODE_INDEX/ }],
  ['plan', 'a bad render option', { argv: ['plan', GATE, '--offline', '--domain-type', 'xen'], code: 2, says: /xen/ }],
  ['plan', 'an HTML page into a missing folder', { argv: ['plan', GATE, '--offline', '--html', `${NO_DIR}/p.html`], code: 2, says: /cannot write HTML report/ }],
  ['apply', 'a report into a missing folder', { argv: ['apply', GATE, '--report', `${NO_DIR}/r.json`], code: 2, says: /cannot write report .*does not exist/ }],
  ['apply', 'a directory as the JUnit file', { argv: ['apply', GATE, '--junit', at('a-dir')], code: 2, says: /cannot write JUnit report .*it is a directory/ }],
  ['apply', 'a text file as the pipeline', { argv: ['apply', at('text.txt')], code: 1, says: /text\.txt/ }],

  ['report merge', 'a file that is not a report', { argv: ['report', 'merge', at('not-a-report.json'), '-o', at('m1.json')], code: 2, says: /not-a-report\.json is not an ovfpipe run report/ }],
  ['report merge', 'a file that is not JSON', { argv: ['report', 'merge', at('text.txt'), '-o', at('m2.json')], code: 2, says: /text\.txt: not JSON/ }],
  ['report merge', 'an empty file', { argv: ['report', 'merge', at('empty.json'), '-o', at('m4.json')], code: 2, says: /empty\.json: not JSON/ }],
  ['report merge', 'a missing report', { argv: ['report', 'merge', MISSING, '-o', at('m3.json')], code: 2, says: /nothing-here/ }],
  ['report merge', 'an output in a missing folder', { argv: ['report', 'merge', at('report.json'), '-o', `${NO_DIR}/m.json`], code: 2, says: /cannot write merged report/ }],
  ['report html', 'a JSON array', { argv: ['report', 'html', at('array.json'), '-o', at('h1.html')], code: 2, says: /array\.json is not an ovfpipe run report/ }],
  ['report html', 'a page into a missing folder', { argv: ['report', 'html', at('report.json'), '-o', `${NO_DIR}/r.html`], code: 2, says: /cannot write HTML report .*does not exist/ }],
  ['report html', 'a missing --audit', { argv: ['report', 'html', at('report.json'), '-o', at('h2.html'), '--audit', MISSING], code: 2, says: /nothing-here/ }],

  ['audit', 'a package without --host', { argv: ['audit', PKG], code: 2, says: /needs --host and --tenant/ }],
  ['audit', 'a bad --parallel', { argv: ['audit', GATE, '--parallel', '0'], code: 2, says: /--parallel '0'/ }],
  ['audit', 'SARIF into a missing folder', { argv: ['audit', GATE, '--sarif', `${NO_DIR}/a.sarif`], code: 2, says: /cannot write SARIF output .*does not exist/ }],
  ['audit', 'a missing pipeline file', { argv: ['audit', at('missing.yaml')], code: 2, says: /missing\.yaml/ }],
];

function listing(): string[] {
  return readdirSync(D, { recursive: true, encoding: 'utf8' }).sort();
}

describe(`the mistake table (${TABLE.length} cases)`, () => {
  it.each(TABLE)('%s: %s', async (_command, _what, m) => {
    const before = listing();
    const r = await runCli(m.argv, { env: { PATH: process.env['PATH'] } });
    const after = listing();
    // Undo what a failing case wrote, so that the next case starts from the same files.
    for (const f of after.filter((x) => !before.includes(x)).reverse()) rmSync(join(D, f), { recursive: true, force: true });
    // The message is on stderr; lint and verify report bad content on stdout, their report.
    const said = r.err.trim() !== '' ? r.err : r.out;
    const lines = said.split('\n').filter((l) => l.trim() !== '' && l !== '(run with --help for usage)');
    expect(lines.length, `no message for ${m.argv.join(' ')}`).toBeGreaterThan(0);
    expect(lines.join('\n'), said).toMatch(m.says);
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(r.err).not.toMatch(/TypeError|ReferenceError|RangeError|SyntaxError: |internal error/);
    // A short message: a line or a few located diagnostics, never a dump.
    expect(lines.length, r.err).toBeLessThanOrEqual(6);
    expect(r.code, r.err).toBe(m.code);
    expect(after, 'nothing written').toEqual(before);
  });
});

describe('what the early checks let through', () => {
  it('every lint format the formatters know is accepted by the CLI (its early --format check)', async () => {
    const { FORMAT_NAMES } = await import('../../src/lint/formatters/index.js');
    for (const f of FORMAT_NAMES) expect((await runCli(['lint', '--format', f, 'examples/web-appliance'])).code, f).toBe(0);
  });
});

describe('the process end (bin.ts)', () => {
  const bin = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['dist/cli/bin.js', ...args], { encoding: 'utf8', env: { PATH: process.env['PATH']!, OVFPIPE_AGENT: '0', ...env } });

  it('an unexpected error is one line without a stack; OVFPIPE_DEBUG=1 adds the stack', async () => {
    const { unexpectedErrorText } = await import('../../src/cli/main.js');
    const e = new TypeError("Cannot read properties of undefined (reading 'push')");
    expect(unexpectedErrorText(e, undefined)).toBe("ovfpipe: internal error: Cannot read properties of undefined (reading 'push') (set OVFPIPE_DEBUG=1 for details)");
    expect(unexpectedErrorText(e, '1')).toMatch(/\n\s+at /);
    const fsError = Object.assign(new Error("ENOENT: no such file or directory, open '/x/y'"), { code: 'ENOENT', path: '/x/y' });
    expect(unexpectedErrorText(fsError, undefined)).toBe('ovfpipe: /x/y: no such file or directory [ENOENT]');
  });

  it('the built CLI exits 2 with one line for a missing --host (no TypeError)', () => {
    const r = bin(['deploy', PKG, '--tenant', 't']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: required option '--host/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
