/**
 * Records the host facts fixtures of test/deploy/plan.test.ts from a real
 * libvirtd through a real sshd: what `gatherFacts` returns for the two-tier
 * example (1) on an empty host, (2) after deploying it, (3) for another tenant
 * whose web domain and antispoof filter exist but are not ovfpipe's. The
 * desired states rendered for those tenants are saved beside them.
 *
 * Deliberate, never in CI: OVFPIPE_RECORD_FACTS=1 npx vitest run test/e2e/record-host-facts.test.ts
 * then review the diff of test/deploy/fixtures/ (names and paths are fixed so
 * a re-recording diffs cleanly).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostConnector } from '../../src/deploy/connect.js';
import { deploy } from '../../src/deploy/deploy.js';
import { destroyOnHost } from '../../src/deploy/destroy.js';
import { type FactsQuery, gatherFacts, gatherHypervisor, type HostFacts, mergeCapabilities } from '../../src/deploy/facts.js';
import type { Transport } from '../../src/deploy/transport.js';
import { connectSsh } from '../../src/deploy/ssh/ssh-transport.js';
import { loadDescriptor } from '../../src/package/open-descriptor.js';
import { parseVarsYaml } from '../../src/macros/vars.js';
import { renderOptions } from '../../src/render/options.js';
import { renderPackage } from '../../src/render/render-package.js';
import { imageDigests } from '../../src/package/image-digests.js';
import { type Desired, factsQueryFor, saveFixture } from '../deploy/recorded-facts.js';
import { testDomainType } from '../helpers/domain-type.js';
import { requireLibvirt, run, virsh } from './services.js';
import { requireSshd, startSshds, type SshdCluster } from './sshd.js';

const wanted = process.env.OVFPIPE_RECORD_FACTS === '1';
const live = wanted && requireSshd('recording host facts') && requireLibvirt('recording host facts');
const URI = 'qemu:///system';
const STORAGE = '/var/lib/ovfpipe-e2e/recorded-facts';
const BRIDGES = ['ovfrec0', 'ovfrec1'];
const PKG = 'examples/two-tier';
const vars = (t: string) =>
  parseVarsYaml(
    `defaults:\n  bridge: ${BRIDGES[0]}\n  db_bridge: ${BRIDGES[1]}\ntenants:\n  ${t}:\n    vms:\n      web: { vars: { ip: 10.0.0.10 } }\n      db: { vars: { ip: 10.0.1.10, web_ip: 10.0.0.10 } }\n`,
  ).vars;
const work = mkdtempSync(join(tmpdir(), 'ovfpipe-record-facts-'));

/** A host's facts as recorded: what is there, and the hypervisor probe with no domain kinds (qemu-img, /dev/kvm). */
async function recorded(t: Transport, q: FactsQuery): Promise<HostFacts> {
  const f = await gatherFacts(t, q);
  mergeCapabilities(f, await gatherHypervisor(t, q.connectUri, []));
  return f;
}
let cluster: SshdCluster | undefined;

async function desiredFor(tenant: string): Promise<Desired> {
  const loaded = await loadDescriptor(PKG);
  try {
    const digests = await imageDigests(loaded.reader, loaded.descriptorName, loaded.envelope);
    const r = renderPackage({ envelope: loaded.envelope, packageName: 'two-tier', tenant, vars: vars(tenant), storageRoot: STORAGE, options: renderOptions({ domainType: 'qemu' }), digests });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return { filters: r.filters, vms: r.domains, disks: r.disks };
  } finally {
    await loaded.reader.close();
  }
}

afterAll(async () => {
  if (live) {
    for (const d of ['rec-web', 'rec-db', 'recx-web']) {
      run('virsh', ['-c', URI, 'destroy', d], { allowFail: true });
      run('virsh', ['-c', URI, 'undefine', d], { allowFail: true });
    }
    for (const f of ['rec-web-ingress', 'rec-db-guard', 'rec-antispoof', 'recx-antispoof']) run('virsh', ['-c', URI, 'nwfilter-undefine', f], { allowFail: true });
    for (const b of BRIDGES) run('ip', ['link', 'del', b], { allowFail: true });
  }
  await cluster?.stopAll();
  rmSync(STORAGE, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!live)('record host facts fixtures (OVFPIPE_RECORD_FACTS=1)', () => {
  it('records an empty host, the deployed two-tier example, and a tenant whose names are taken', async () => {
    for (const d of ['rec-web', 'rec-db', 'recx-web']) expect(run('virsh', ['-c', URI, 'domstate', d], { allowFail: true }).status, `${d} must not exist`).not.toBe(0);
    rmSync(STORAGE, { recursive: true, force: true });
    for (const b of BRIDGES) if (run('ip', ['link', 'show', b], { allowFail: true }).status !== 0) run('ip', ['link', 'add', b, 'type', 'bridge']);
    cluster = await startSshds(1);
    const t = await connectSsh(cluster!.target(0));
    try {
      const rec = await desiredFor('rec');
      saveFixture('desired-two-tier-rec.json', rec);
      saveFixture('host-facts-empty.json', await recorded(t, factsQueryFor(rec, URI, STORAGE, false)));

      const deployed = await deploy({
        pkg: PKG,
        tenant: 'rec',
        vars: vars('rec'),
        hosts: [`ssh://root@127.0.0.1:${cluster!.hosts[0]!.port}`],
        connect: hostConnector({ identity: cluster!.clientKey, knownHosts: cluster!.knownHostsFile }),
        connectUri: URI,
        storageRoot: STORAGE,
        options: renderOptions({ domainType: 'qemu' }),
      });
      expect(deployed.report.vms.map((v) => v.status)).toEqual(['created', 'created']);
      saveFixture('host-facts-deployed.json', await recorded(t, factsQueryFor(rec, URI, STORAGE, false)));

      // Tenant recx: a domain named like its web VM that ovfpipe did not create, and its antispoof filter under another uuid.
      const recx = await desiredFor('recx');
      saveFixture('desired-two-tier-recx.json', recx);
      const xml = readFileSync('test/golden/two-tier/demo-web.xml', 'utf8')
        .replace(/^<domain type='kvm'>/, `<domain type='${testDomainType()}'>`)
        .replace(/<name>[^<]+<\/name>/, '<name>recx-web</name>')
        .replace(/<uuid>[^<]+<\/uuid>/, '')
        .replace(/<metadata>[\s\S]*<\/metadata>/, '')
        .replace(/<interface[\s\S]*<\/interface>/, '')
        .replace(/<disk type='file' device='disk'>[\s\S]*?<\/disk>/, '');
      writeFileSync(join(work, 'foreign.xml'), xml);
      virsh('define', join(work, 'foreign.xml'));
      const antispoof = recx.filters.find((f) => f.name === 'recx-antispoof')!;
      writeFileSync(join(work, 'filter.xml'), antispoof.xml.replace(/<uuid>[^<]+<\/uuid>/, '<uuid>0b0c0d0e-1111-4222-8333-944455556666</uuid>'));
      virsh('nwfilter-define', '--validate', join(work, 'filter.xml'));
      saveFixture('host-facts-foreign.json', await recorded(t, factsQueryFor(recx, URI, STORAGE, false)));

      await destroyOnHost(
        t,
        'recorder',
        [
          { name: 'rec-web', tenant: 'rec' },
          { name: 'rec-db', tenant: 'rec' },
        ],
        rec.filters,
        STORAGE,
        URI,
      );
    } finally {
      await t.close();
    }
  });
});
