/**
 * ovfpipe's public API (PRODUCT.md §10). The CLI is a thin shell over these.
 * Named exports only.
 */
export { openPackage, type OpenPackageOptions } from './package/open.js';
export type { PackageReader, MemberInfo, PackageKind } from './package/reader.js';
export { parseDescriptor, parseEnvelope } from './ovf/parser.js';
export * from './ovf/model.js';
export { ResourceType } from './ovf/cim.js';
export { summarizeEnvelope, type EnvelopeSummary } from './ovf/summary.js';
export { parseXml, type XmlLimits } from './xml/parse.js';
export type { XmlElement, XmlAttribute } from './xml/element.js';
export { lintFiles, loadTarget, type LintFilesOptions } from './lint/lint-files.js';
export { runRules, lintFailed, type LintConfig, type LintResult } from './lint/engine.js';
export { allRules } from './lint/rules/index.js';
export { allRuleMetas } from './lint/registry.js';
export type { Rule, RuleMeta, LintTarget } from './lint/rule.js';
export { formatResults } from './lint/formatters/index.js';
export { loadLintConfig, mergeLintConfig, parseRuleOption } from './lint/config.js';
export { verifyPath, type VerifyReport } from './verify.js';
export { verifyPackage } from './package/verify.js';
export { parseManifest } from './package/manifest.js';
export { parseCertificateFile, verifyManifestSignature, signManifest } from './package/certificate.js';
export { inspectPackage, type InspectReport } from './inspect.js';
export type { Diagnostic, Severity } from './diagnostics.js';
export { OvfpipeError, type ErrorCode } from './errors.js';
export { main } from './cli/main.js';
