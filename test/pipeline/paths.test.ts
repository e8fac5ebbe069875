/**
 * `~` in path settings (src/paths.ts): one expansion for flags, vars, pipeline
 * files and values from `${env:VAR:-~/…}` interpolation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTextFile, writeTextFile } from '../../src/actions/files.js';
import { expandHome, resolvePath } from '../../src/paths.js';
import { parsePipeline } from '../../src/pipeline/load.js';
import { tempDir } from '../helpers/archives.js';
import { runCli } from '../helpers/cli.js';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const tmp = tempDir('ovfpipe-paths-');
afterAll(() => tmp.cleanup());

describe('expandHome', () => {
  it('expands ~ and ~/ only', () => {
    expect(expandHome('~', '/home/u')).toBe('/home/u');
    expect(expandHome('~/.ssh/id_ed25519', '/home/u')).toBe('/home/u/.ssh/id_ed25519');
    expect(expandHome('~other/x', '/home/u')).toBe('~other/x');
    expect(expandHome('a/~/b', '/home/u')).toBe('a/~/b');
    expect(expandHome('/abs/~', '/home/u')).toBe('/abs/~');
    expect(expandHome('', '/home/u')).toBe('');
    expect(expandHome('~')).toBe(homedir());
  });

  it('resolvePath expands before resolving against the base', () => {
    expect(resolvePath('/base', '~/pkg', '/home/u')).toBe('/home/u/pkg');
    expect(resolvePath('/base', 'pkg', '/home/u')).toBe('/base/pkg');
    expect(resolvePath('/base', '/abs', '/home/u')).toBe('/abs');
  });
});

describe('pipeline paths', () => {
  const file = `version: 1
packages:
  web: { path: "~/pkgs/web" }
inventory:
  catalog: ~/catalog.yaml
  defaults:
    identity: \${env:OVFPIPE_IDENTITY:-~/.ssh/id_ed25519}
    knownHosts: \${env:OVFPIPE_KNOWN_HOSTS:-~/.ssh/known_hosts}
    storage: /var/lib/ovfpipe
  hosts:
    a: { address: "ssh://root@192.0.2.1", identity: "~/keys/a" }
tenants:
  t: { deployments: [{ package: web }] }
`;

  it('expands ~ in package, catalog and SSH paths, also where ${env:…:-~/…} produced it', () => {
    const p = parsePipeline(file, '/srv/p.yaml', { HOME: '/home/ci' }).pipeline!;
    expect(p.packages['web']!.path).toBe('/home/ci/pkgs/web');
    expect(p.inventory!.catalog).toBe('/home/ci/catalog.yaml');
    expect(p.inventory!.defaults).toMatchObject({ identity: '/home/ci/.ssh/id_ed25519', knownHosts: '/home/ci/.ssh/known_hosts', storage: '/var/lib/ovfpipe' });
    expect(p.inventory!.hosts!['a']!.identity).toBe('/home/ci/keys/a');
  });

  it('an environment value is expanded too, and a set variable wins over the default', () => {
    const p = parsePipeline(file, '/srv/p.yaml', { HOME: '/home/ci', OVFPIPE_IDENTITY: '~/other', OVFPIPE_KNOWN_HOSTS: '/etc/kh' }).pipeline!;
    expect(p.inventory!.defaults).toMatchObject({ identity: '/home/ci/other', knownHosts: '/etc/kh' });
  });
});

describe('the storage root is a path on the hosts', () => {
  it('render --storage ~/vms is a usage error, not a directory named ~ on the host', async () => {
    const r = await runCli(['render', join(EXAMPLES, 'web-appliance'), '--tenant', 'demo', '--vars', join(EXAMPLES, 'vars/web-appliance.yaml'), '--out', tmp.file('never'), '--storage', '~/vms']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("ovfpipe: storage root '~/vms' must be an absolute path on the hosts ('~' and relative paths are not expanded there) [OVFPIPE_USAGE]\n");
  });

  it('a pipeline storage root of ~/… is a located error, and nothing renders', async () => {
    const dir = tmp.file('storage');
    mkdirSync(dir);
    const file = join(dir, 'p.yaml');
    writeFileSync(
      file,
      `version: 1\npackages:\n  web: { path: ${join(EXAMPLES, 'web-appliance')} }\ninventory:\n  defaults: { storage: "\${env:NOPE:-~/vms}" }\n  hosts: { a: { address: "ssh://root@192.0.2.1" } }\ntenants:\n  t: { deployments: [{ package: web, vars: { ip: 10.0.0.5, admin_password: pw } }] }\n`,
    );
    const r = await runCli(['plan', file, '--offline']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:5:24: error: storage root '~/vms' must be an absolute path on the hosts`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('file verbs and CLI flags', () => {
  let savedHome: string | undefined;
  const home = tmp.file('home');
  beforeEach(() => {
    savedHome = process.env['HOME'];
    mkdirSync(home, { recursive: true });
    process.env['HOME'] = home;
  });
  afterEach(() => {
    process.env['HOME'] = savedHome;
  });

  it('reads and writes ~/ paths in the home folder', async () => {
    await writeTextFile('~/note.txt', 'hello');
    expect(await readTextFile('~/note.txt')).toBe('hello');
  });

  it('render --vars ~/v.yaml --out ~/out (as --flag=~/x, which no shell expands)', async () => {
    writeFileSync(join(home, 'v.yaml'), 'ip: 10.0.0.5\nadmin_password: { value: pw, secret: true }\n');
    const r = await runCli(['render', join(EXAMPLES, 'web-appliance'), '--tenant', 'demo', '--vars=~/v.yaml', '--out=~/out']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('into ~/out');
    await expect(readTextFile(join(home, 'out', 'plan.json'))).resolves.toContain('demo-web');
  });

  it('deploy --identity=~/key reads the key from the home folder (refused there, before any connection)', async () => {
    const r = await runCli([
      'deploy',
      join(EXAMPLES, 'web-appliance'),
      '--host',
      'ssh://root@127.0.0.1:9',
      '--tenant',
      'demo',
      '--identity=~/no-such-key',
      '--fingerprint',
      'SHA256:x',
      '--vars',
      join(EXAMPLES, 'vars/web-appliance.yaml'),
    ]);
    expect(r.code).toBe(1);
    expect(`${r.out}${r.err}`).toContain(`cannot read identity file ${join(home, 'no-such-key')}`);
  });
});
