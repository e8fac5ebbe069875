/**
 * Gathers what the package lint rules see (`PackageFacts`)
 * from an open reader: the member list, which members are the descriptor,
 * manifest and certificate, and the manifest text (small, read with a limit).
 */
import { OvfpipeError } from '../diagnostics/errors.js';
import { findCompanion } from './names.js';
import type { MemberInfo, PackageKind, PackageReader } from './reader.js';

/** What the package-level rules see besides the descriptor. */
export interface PackageFacts {
  kind: PackageKind;
  members: readonly MemberInfo[];
  descriptorName: string;
  /** Name of the `.mf` member, if any, and its raw text (manifests are small; read with a limit). */
  manifestName?: string;
  manifestText?: string;
  certificateName?: string;
  /** References members that exist only through a symbolic link leading out of the package's folder (not members). */
  linkedOutside?: readonly string[];
}

/** Default limit on the manifest read into memory (a manifest line is ~100 bytes per file). */
export const DEFAULT_MAX_MANIFEST_BYTES = 1 << 20;

/**
 * Reads the facts for `descriptorName` (default: the reader's own guess).
 * A manifest too large to read leaves `manifestText` unset.
 *
 * @throws OvfpipeError `OVFPIPE_PACKAGE` when there is no descriptor to speak of.
 */
export async function readPackageFacts(reader: PackageReader, descriptorName = reader.descriptorName, maxManifestBytes = DEFAULT_MAX_MANIFEST_BYTES): Promise<PackageFacts> {
  if (descriptorName === undefined) throw new OvfpipeError('OVFPIPE_PACKAGE', `${reader.path} has no single .ovf descriptor at its top level`, { where: reader.path });
  const names = reader.list().map((m) => m.name);
  const manifestName = findCompanion(names, descriptorName, 'mf');
  const certificateName = findCompanion(names, descriptorName, 'cert');
  let manifestText: string | undefined;
  if (manifestName !== undefined) {
    try {
      manifestText = (await reader.readSmall(manifestName, maxManifestBytes)).toString('utf8');
    } catch (e) {
      if (!(e instanceof OvfpipeError) || e.code !== 'OVFPIPE_LIMIT') throw e;
    }
  }
  return {
    kind: reader.kind,
    members: reader.list(),
    descriptorName,
    ...(manifestName !== undefined ? { manifestName } : {}),
    ...(manifestText !== undefined ? { manifestText } : {}),
    ...(certificateName !== undefined ? { certificateName } : {}),
  };
}
