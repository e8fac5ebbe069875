/**
 * The OVF environment (DSP0243 §11; schema DSP8027): the `ovf-env.xml` a
 * guest reads at first boot, with the platform and the resolved property
 * values, and the ISO 9660 image that carries it for the `iso` transport
 * (§11.2: a CD-ROM whose root holds `ovf-env.xml`).
 *
 * Pure: ovfEnvIso builds the image with our own ISO 9660 writer (iso9660.ts,
 * no external tool); actions/ovf-env-iso.ts writes it to a file.
 */
import { OvfpipeError } from '../diagnostics/errors.js';
import type { VirtualSystem } from '../ovf/model.js';
import { VERSION } from '../version.js';
import { isoImage } from './iso9660.js';
import { element, writeXml, type XmlNode } from '../xml/writer.js';

export const OVF_ENV_NS = 'http://schemas.dmtf.org/ovf/environment/1';
/** The file name the guest looks for in the image root (DSP0243 §11.2). */
export const OVF_ENV_FILE = 'ovf-env.xml';
/** Volume label of the image, as other OVF deployers write it. */
export const OVF_ENV_VOLUME_ID = 'OVF ENV';

export interface EnvironmentProperty {
  key: string;
  value: string;
  /** ovf:class of the ProductSection the property belongs to. */
  class?: string;
  /** ovf:instance of that ProductSection. */
  instance?: string;
}

export interface OvfEnvironmentOptions {
  /** oe:id of the Environment: the recipient's VirtualSystem id (default `vs.id`). */
  id?: string;
  /** PlatformSection values; Kind, Vendor, Version and Locale default to ovfpipe's. */
  platform?: { kind?: string; version?: string; vendor?: string; locale?: string; timezone?: number };
  /** Entity elements: the properties of sibling systems in a VirtualSystemCollection (DSP0243 §11.1). */
  entities?: Array<{ id: string; properties: EnvironmentProperty[] }>;
}

/**
 * The environment key of a property (DSP0243 §9.5): `class.key.instance`,
 * each part present only when the ProductSection has it.
 */
export function environmentKey(p: Pick<EnvironmentProperty, 'key' | 'class' | 'instance'>): string {
  return [p.class, p.key, p.instance].filter((s) => s !== undefined && s !== '').join('.');
}

/** The ovf-env.xml document for `vs`. Throws OVFPIPE_USAGE when two properties share an environment key. */
export function ovfEnvironmentXml(vs: VirtualSystem, properties: EnvironmentProperty[], opts: OvfEnvironmentOptions = {}): string {
  // DSP8027 qualifies its attributes (attributeFormDefault="qualified"), hence oe:key, not key.
  const root = element(
    'Environment',
    [
      ['xmlns', OVF_ENV_NS],
      ['xmlns:oe', OVF_ENV_NS],
      ['oe:id', opts.id ?? vs.id],
    ],
    platformSection(opts.platform),
    propertySection(properties),
    (opts.entities ?? []).map((e) => element('Entity', [['oe:id', e.id]], propertySection(e.properties))),
  );
  return writeXml(root, { quote: '"', declaration: true });
}

function platformSection(p: OvfEnvironmentOptions['platform'] = {}): XmlNode {
  return element(
    'PlatformSection',
    {},
    element('Kind', {}, p.kind ?? 'KVM'),
    element('Version', {}, p.version ?? VERSION),
    element('Vendor', {}, p.vendor ?? 'ovfpipe'),
    element('Locale', {}, p.locale ?? 'en'),
    p.timezone === undefined ? undefined : element('Timezone', {}, String(Math.trunc(p.timezone))),
  );
}

function propertySection(properties: EnvironmentProperty[]): XmlNode {
  const seen = new Set<string>();
  const children = properties.map((p) => {
    const key = environmentKey(p);
    if (seen.has(key)) throw new OvfpipeError('OVFPIPE_USAGE', `OVF environment: property key '${key}' given twice`);
    seen.add(key);
    return element('Property', [
      ['oe:key', key],
      ['oe:value', p.value],
    ]);
  });
  return element('PropertySection', {}, children);
}

export interface BuildIsoOptions {
  /** Seconds since the epoch stamped on the volume and the file (default 0: the same XML gives the same bytes). */
  sourceDateEpoch?: number;
}

/** The ISO 9660 image (with Joliet, so the name stays `ovf-env.xml`) holding `xml`, built in-process. Pure. */
export function ovfEnvIso(xml: string, opts: BuildIsoOptions = {}): Buffer {
  return isoImage({ volumeId: OVF_ENV_VOLUME_ID, files: [{ name: OVF_ENV_FILE, data: Buffer.from(xml, 'utf8') }], epochSeconds: opts.sourceDateEpoch ?? 0, application: `OVFPIPE ${VERSION}` });
}
