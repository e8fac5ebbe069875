/**
 * The network security view of an Envelope, computed once per Envelope and
 * shared by every netsec lint rule (rules are pure; this is a memo, not state).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Envelope } from '../ovf/model.js';
import { buildNetsecView, type NetsecView } from './nic-bindings.js';
import { readNetworkSecurity } from './read-section.js';
import { validatePortProfile } from './profiles/validate.js';
import type { NetworkSecuritySection } from './model.js';

export interface EnvelopeNetsec {
  sections: NetworkSecuritySection[];
  readDiagnostics: Diagnostic[];
  view: NetsecView;
  /** validatePortProfile over every embedded profile, computed once for the two rules that report it. */
  readonly profileDiagnostics: Diagnostic[];
}

const memo = new WeakMap<Envelope, EnvelopeNetsec>();

export function netsecOf(env: Envelope): EnvelopeNetsec {
  let v = memo.get(env);
  if (!v) {
    const read = readNetworkSecurity(env);
    let profiles: Diagnostic[] | undefined;
    v = {
      sections: read.sections,
      readDiagnostics: read.diagnostics,
      view: buildNetsecView(env, read.sections),
      get profileDiagnostics() {
        return (profiles ??= read.sections.flatMap((s) => s.profiles.flatMap((p) => validatePortProfile(p))));
      },
    };
    memo.set(env, v);
  }
  return v;
}
