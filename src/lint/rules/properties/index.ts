/** Property rules (PRODUCT.md §5 "properties"): DSP0243 §9.5 ProductSection and §9.8 DeploymentOptionSection. */
import type { LintTarget, Rule } from '../../rule.js';
import productSectionClass from './product-section-class.js';
import propertyConfiguration from './property-configuration.js';
import propertyKey from './property-key.js';
import propertyQualifiers from './property-qualifiers.js';
import propertyType from './property-type.js';
import propertyValue from './property-value.js';

export const propertiesRules: Rule<LintTarget>[] = [productSectionClass, propertyKey, propertyType, propertyQualifiers, propertyValue, propertyConfiguration];
