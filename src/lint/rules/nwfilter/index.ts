/** The nwfilter rule family (PRODUCT.md §5); each file is one rule, named by its id. */
import type { LintTarget, Rule } from '../../rule.js';
import nwfilterActionDirection from './nwfilter-action-direction.js';
import nwfilterAttributeValue from './nwfilter-attribute-value.js';
import nwfilterChain from './nwfilter-chain.js';
import nwfilterFilterref from './nwfilter-filterref.js';
import nwfilterLibvirtParser from './nwfilter-libvirt-parser.js';
import nwfilterPriority from './nwfilter-priority.js';
import nwfilterStructure from './nwfilter-structure.js';
import nwfilterVariableSyntax from './nwfilter-variable-syntax.js';

export const nwfilterRules: Rule<LintTarget>[] = [
  nwfilterStructure,
  nwfilterAttributeValue,
  nwfilterChain,
  nwfilterPriority,
  nwfilterActionDirection,
  nwfilterVariableSyntax,
  nwfilterFilterref,
  nwfilterLibvirtParser,
];
