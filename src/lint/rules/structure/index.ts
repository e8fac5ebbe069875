import type { LintTarget, Rule } from '../../rule.js';
import allocationUnits from './allocation-units.js';
import elementNamespace from './element-namespace.js';
import contentPresent from './content-present.js';
import diskCapacity from './disk-capacity.js';
import hostResource from './host-resource.js';
import instanceId from './instance-id.js';
import networkConnection from './network-connection.js';
import referencesFile from './references-file.js';
import requiredSection from './required-section.js';
import resourceType from './resource-type.js';
import sectionInfo from './section-info.js';
import uniqueIds from './unique-ids.js';
import virtualHardware from './virtual-hardware.js';
import xsdTypes from './xsd-types.js';

export const structureRules: Rule<LintTarget>[] = [
  referencesFile,
  uniqueIds,
  sectionInfo,
  contentPresent,
  diskCapacity,
  networkConnection,
  hostResource,
  instanceId,
  resourceType,
  allocationUnits,
  virtualHardware,
  requiredSection,
  elementNamespace,
  xsdTypes,
];
