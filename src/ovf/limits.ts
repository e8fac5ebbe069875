/**
 * Length bounds for names a package gives things. DSP0243 types ids and keys
 * as xs:string with no length, but each one ends up as a file name, a libvirt
 * domain or nwfilter name, or an OVF environment key (§11), and none of those
 * can be longer than a file name (NAME_MAX, 255 bytes). Longer ones are
 * reported with their location by the lint rules rather than failing later.
 * Unit strings have their own bound (units.ts, MAX_UNITS_LENGTH).
 */
export const MAX_ID_LENGTH = 255;

/** Whether `id` is longer than MAX_ID_LENGTH. */
export function idTooLong(id: string | undefined): boolean {
  return id !== undefined && id.length > MAX_ID_LENGTH;
}
