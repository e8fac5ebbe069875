/**
 * Parses a `--bind` SPEC: `nic=<InstanceID or network>,filter=<name>[,profile=<name>][,<PARAM>=<value>]…`.
 * Values may be `${macro}`; a repeated PARAM makes a list (libvirt nwfilter
 * variables take lists). Commas inside `${…}` do not split.
 */
import { OvfpipeError } from '../diagnostics/errors.js';
import type { Binding } from './model.js';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseBindingSpec(spec: string): Binding {
  const parts = splitSpec(spec);
  const binding: Binding = { nic: '', parameters: [] };
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw usage(spec, `'${part}' is not key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (value === '') throw usage(spec, `'${key}' has an empty value`);
    if (key === 'nic') binding.nic = value;
    else if (key === 'filter') binding.filter = value;
    else if (key === 'profile') binding.profile = value;
    else if (PARAM_NAME.test(key)) binding.parameters.push({ name: key, value });
    else throw usage(spec, `'${key}' is not a valid filter parameter name (letters, digits and _; libvirt variable syntax)`);
  }
  if (!binding.nic) throw usage(spec, 'nic=<InstanceID or network name> is required');
  if (binding.filter === undefined && binding.profile === undefined) throw usage(spec, 'give filter=<name> and/or profile=<name>');
  if (binding.filter === undefined && binding.parameters.length > 0) throw usage(spec, 'filter parameters need filter=<name>');
  return binding;
}

function splitSpec(spec: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i]!;
    if (ch === '$' && spec[i + 1] === '{') depth++;
    else if (ch === '}' && depth > 0) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function usage(spec: string, why: string): OvfpipeError {
  return new OvfpipeError('OVFPIPE_USAGE', `--bind '${spec}': ${why}`);
}
