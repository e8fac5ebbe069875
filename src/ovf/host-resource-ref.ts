/**
 * How writers spell a drive Item's rasd:HostResource (DSP0243 §8.3, §9.1):
 * `ovf:/disk/<diskId>` and `ovf:/file/<fileId>` as the standard writes them;
 * `/disk/<id>` without the scheme (OVF 0.9, VirtualBox), and `ovf://disk/<id>`
 * with a doubled slash (VMware exports, e.g. govmomi's Nostalgia appliance).
 * Lint, render and inspect read them all through this one function, so a
 * reference lint resolves is one render attaches.
 */
export interface HostResourceRef {
  kind: 'disk' | 'file';
  id: string;
  /** Written `ovf://…` (or `//…`): read as meant, but lint warns. */
  doubledSlash: boolean;
}

const REFERENCE = /^(?:ovf:)?(\/\/?)(disk|file)\/(.+)$/;

export function parseHostResourceRef(text: string | undefined): HostResourceRef | undefined {
  const m = REFERENCE.exec(text?.trim() ?? '');
  if (!m) return undefined;
  return { kind: m[2] as 'disk' | 'file', id: m[3]!, doubledSlash: m[1] === '//' };
}
