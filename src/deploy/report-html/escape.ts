/** HTML text and attribute escaping: every name in a report comes from a package, a vars file or a host, and is untrusted. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: string | number | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
