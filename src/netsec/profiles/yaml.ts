/**
 * Port profile YAML files (`netsec embed --profile p.yaml`), one profile per
 * file, validated with profile.schema.json and then with validatePortProfile:
 *
 * ```yaml
 * name: tenant-vepa
 * mode: direct                # direct | bridge | network
 * source: eth1                # device, bridge or network name; may be ${macro}
 * sourceMode: vepa            # direct only: vepa | bridge | private | passthrough
 * virtualport:
 *   type: 802.1Qbg
 *   managerid: 12
 *   typeid: 0x123456
 *   typeidversion: 1
 *   instanceid: ${instanceid}
 * vlan: 42                    # or [42, 48] (a trunk), or { tags: [{ id: 42, nativeMode: untagged }], trunk: true }
 * bandwidth:
 *   inbound: { average: 1000, peak: 5000, burst: 1024 }
 *   outbound: { average: 1000 }
 * ```
 * Numbers become strings in the model, as written (`0x123456` stays hex).
 * `mode`, `sourceMode` and `virtualport.type` shape the profile and cannot be
 * macros; every other value can. Inside a flow mapping `{ … }` quote a macro
 * (`'${instanceid}'`): YAML reads its `}` as the end of the mapping.
 *
 * Errors are returned as located diagnostics (`profile-yaml` for syntax and
 * schema, then the rules of validate.ts), never thrown; `loadProfileFile` (actions/profile-file.ts), the
 * IO end for the CLI, throws them as one OVFPIPE_USAGE error.
 */
import { createRequire } from 'node:module';
import { hasErrors, sortDiagnostics, type Diagnostic, type SourceLocation } from '../../diagnostics/diagnostic.js';
import { LOCATED_YAML_AJV_OPTIONS, parseLocatedYaml, schemaDiagnostics, type LocatedYaml, type YamlPath } from '../../macros/yaml-input.js';
import { schemaValidator, type SchemaValidatorSpec } from '../../macros/schema-validator.js';
import type { BandwidthLimits, PortProfile, VlanSpec } from '../model.js';
import { profileLocator } from './fields.js';
// createRequire, not an import attribute: `with { type: 'json' }` needs Node 20.10+, and engines says >=20.
const profileSchema = createRequire(import.meta.url)('./profile.schema.json') as Record<string, unknown>;
import { validatePortProfile } from './validate.js';

export const PROFILE_YAML_RULE_ID = 'profile-yaml';

export interface ProfileParse {
  /** Undefined when the file could not be read as a profile (syntax or schema errors). */
  profile?: PortProfile;
  diagnostics: Diagnostic[];
  /** Source location of a field, by locator (`PortProfile[web]/virtualport@typeid`). */
  locations: ReadonlyMap<string, SourceLocation>;
}

export interface ParseProfileOptions {
  file?: string;
  /** Run validatePortProfile on the result (default true). */
  validate?: boolean;
}

/** The profile schema's validator; its generated module is written by `npm run build` (schema-validator.ts). */
export const PROFILE_VALIDATOR: SchemaValidatorSpec = {
  name: 'profile',
  schema: () => profileSchema,
  options: LOCATED_YAML_AJV_OPTIONS,
  generated: new URL('./profile.validate.generated.cjs', import.meta.url),
};
const validateShape = schemaValidator(PROFILE_VALIDATOR);

type RawRates = Record<string, string | undefined>;
type RawTag = { id: string; nativeMode?: 'tagged' | 'untagged' };
interface RawProfile {
  name: string;
  mode: PortProfile['mode'];
  source: string;
  sourceMode?: PortProfile['sourceMode'];
  virtualport?: { type: NonNullable<PortProfile['virtualport']>['type'] } & Record<string, string>;
  vlan?: string | string[] | { tags: RawTag[]; trunk?: boolean };
  bandwidth?: { inbound?: RawRates; outbound?: RawRates };
}

/** Parses one profile; problems are located diagnostics. */
export function parsePortProfileYaml(text: string, options: ParseProfileOptions = {}): ProfileParse {
  const input = parseLocatedYaml(text, options.file, PROFILE_YAML_RULE_ID);
  const locations = new Map<string, SourceLocation>();
  if (hasErrors(input.diagnostics)) return { diagnostics: input.diagnostics, locations };
  const diagnostics = [...input.diagnostics, ...schemaDiagnostics(validateShape, input, PROFILE_YAML_RULE_ID)];
  if (hasErrors(diagnostics)) return { diagnostics, locations };
  const raw = input.data as RawProfile;
  const profile = buildProfile(raw, input.locate([]));
  recordLocations(raw, input, locations);
  if (options.validate !== false) {
    const at = (locator: string) => locations.get(locator);
    diagnostics.push(...validatePortProfile(profile, { loc: profile.loc, locate: at }));
  }
  return { profile, diagnostics: sortDiagnostics(diagnostics), locations };
}

function buildProfile(raw: RawProfile, loc: SourceLocation): PortProfile {
  const profile: PortProfile = { name: raw.name, mode: raw.mode, source: raw.source, loc };
  if (raw.sourceMode !== undefined) profile.sourceMode = raw.sourceMode;
  if (raw.virtualport) {
    const { type, ...parameters } = raw.virtualport;
    profile.virtualport = { type, parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, String(v)])) };
  }
  if (raw.vlan !== undefined) profile.vlan = buildVlan(raw.vlan);
  if (raw.bandwidth) {
    profile.bandwidth = {};
    if (raw.bandwidth.inbound) profile.bandwidth.inbound = buildRates(raw.bandwidth.inbound);
    if (raw.bandwidth.outbound) profile.bandwidth.outbound = buildRates(raw.bandwidth.outbound);
  }
  return profile;
}

/** A single id is an access port; a list is a trunk (libvirt implies trunk for more than one tag; we also mark a one-item list). */
function buildVlan(raw: NonNullable<RawProfile['vlan']>): VlanSpec {
  if (typeof raw === 'string') return { tags: [{ id: raw }] };
  if (Array.isArray(raw)) return { tags: raw.map((id) => ({ id: String(id) })), trunk: true };
  const vlan: VlanSpec = { tags: raw.tags.map((t) => ({ id: String(t.id), ...(t.nativeMode ? { nativeMode: t.nativeMode } : {}) })) };
  if (raw.trunk !== undefined) vlan.trunk = raw.trunk;
  return vlan;
}

function buildRates(raw: RawRates): BandwidthLimits {
  const out: BandwidthLimits = {};
  for (const key of ['average', 'peak', 'burst', 'floor'] as const) if (raw[key] !== undefined) out[key] = String(raw[key]);
  return out;
}

/** Locator → YAML position, for every field validate.ts may report on. */
function recordLocations(raw: RawProfile, input: LocatedYaml, out: Map<string, SourceLocation>): void {
  const base = profileLocator(raw);
  const put = (locator: string, path: YamlPath) => out.set(locator, input.locate(path));
  put(base, []);
  for (const key of ['mode', 'source', 'sourceMode'] as const) put(`${base}@${key}`, [key]);
  if (raw.virtualport) {
    put(`${base}/virtualport`, ['virtualport']);
    for (const key of Object.keys(raw.virtualport)) put(`${base}/virtualport@${key}`, ['virtualport', key]);
  }
  if (raw.vlan !== undefined) {
    put(`${base}/vlan`, ['vlan']);
    const tagPath = (i: number): YamlPath => (typeof raw.vlan === 'string' ? ['vlan'] : Array.isArray(raw.vlan) ? ['vlan', i] : ['vlan', 'tags', i, 'id']);
    const count = typeof raw.vlan === 'string' ? 1 : Array.isArray(raw.vlan) ? raw.vlan.length : raw.vlan.tags.length;
    for (let i = 0; i < count; i++) put(`${base}/vlan/tag[${i}]@id`, tagPath(i));
  }
  for (const direction of ['inbound', 'outbound'] as const) {
    const rates = raw.bandwidth?.[direction];
    if (!rates) continue;
    put(`${base}/bandwidth/${direction}`, ['bandwidth', direction]);
    for (const key of Object.keys(rates)) put(`${base}/bandwidth/${direction}@${key}`, ['bandwidth', direction, key]);
  }
}
