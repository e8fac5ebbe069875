import type { LintTarget, Rule } from '../../rule.js';
import bindingDirectFilterref from './binding-direct-filterref.js';
import bindingNic from './binding-nic.js';
import bindingReference from './binding-reference.js';
import netsecFilter from './netsec-filter.js';
import netsecSection from './netsec-section.js';
import policyNicProtected from './policy-nic-protected.js';
import portProfile from './port-profile.js';
import virtualportParameters from './virtualport-parameters.js';

export const netsecRules: Rule<LintTarget>[] = [netsecSection, netsecFilter, bindingNic, bindingReference, bindingDirectFilterref, policyNicProtected, virtualportParameters, portProfile];
