/** The sha256 of each image a descriptor references, as deploy and render name base images by it. */
import type { Envelope } from '../ovf/model.js';
import { parseManifest } from './manifest.js';
import { findCompanion } from './names.js';
import type { PackageReader } from './reader.js';
import { hashStream } from './verify.js';

/** sha256 per References href: the manifest's when it has one, else computed by streaming the member. */
export async function imageDigests(reader: PackageReader, descriptorName: string, env: Envelope): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const mf = findCompanion(
    reader.list().map((m) => m.name),
    descriptorName,
    'mf',
  );
  if (mf) for (const e of parseManifest((await reader.readSmall(mf, 4 * 1024 * 1024)).toString('utf8')).entries) if (e.algorithm === 'SHA256') out.set(e.name, e.digest.toLowerCase());
  for (const f of env.references) {
    if (out.has(f.href) || !reader.has(f.href)) continue;
    const h = await hashStream(await reader.open(f.href), new Set(['SHA256'] as const));
    out.set(f.href, h.digests.SHA256!);
  }
  return out;
}
