import type { LintTarget, Rule } from '../../rule.js';
import bindingDirectFilterref from './binding-direct-filterref.js';
import bindingNic from './binding-nic.js';
import catalogProfile from './catalog-profile.js';
import bindingParameter from './binding-parameter.js';
import macroSource from './macro-source.js';
import macroType from './macro-type.js';
import bindingReference from './binding-reference.js';
import netsecFilter from './netsec-filter.js';
import netsecSection from './netsec-section.js';
import policyNicProtected from './policy-nic-protected.js';
import portProfile from './port-profile.js';
import virtualportParameters from './virtualport-parameters.js';

export const netsecRules: Rule<LintTarget>[] = [
  netsecSection,
  netsecFilter,
  bindingNic,
  bindingReference,
  bindingDirectFilterref,
  policyNicProtected,
  virtualportParameters,
  portProfile,
  bindingParameter,
  macroSource,
  macroType,
  catalogProfile,
];
