import type { LintTarget, Rule } from '../../rule.js';
import manifestComplete from './manifest-complete.js';
import manifestFormat from './manifest-format.js';
import ovaMemberOrder from './ova-member-order.js';
import referenceFilePresent from './reference-file-present.js';
import unreferencedMember from './unreferenced-member.js';

export const packageRules: Rule<LintTarget>[] = [manifestFormat, manifestComplete, ovaMemberOrder, referenceFilePresent, unreferencedMember];
