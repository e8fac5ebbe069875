/**
 * ovfpipe's public API (PRODUCT.md §10). The CLI is a thin shell over these.
 * Named exports only.
 */
export { openPackage, type OpenPackageOptions } from './package/open.js';
export type { PackageReader, MemberInfo, PackageKind, OutsideReference } from './package/reader.js';
export { parseDescriptor, parseEnvelope } from './ovf/parser.js';
export * from './ovf/model.js';
export { ResourceType } from './ovf/cim.js';
export { summarizeEnvelope, type EnvelopeSummary } from './ovf/summary.js';
export { parseXml, type XmlLimits } from './xml/parse.js';
export type { XmlElement, XmlAttribute } from './xml/element.js';
export { lintFiles, loadTarget, type LintFilesOptions } from './actions/lint-files.js';
export { runRules, lintFailed, type LintConfig, type LintResult } from './lint/engine.js';
export { allRules } from './lint/rules/index.js';
export { allRuleMetas } from './lint/registry.js';
export type { Rule, RuleMeta, LintTarget } from './lint/rule.js';
export { formatResults } from './lint/formatters/index.js';
export { mergeLintConfig, parseRuleOption } from './lint/config.js';
export { loadLintConfig } from './actions/lint-config.js';
export { verifyPath, loadTrust, type VerifyReport, type VerifyPathOptions } from './actions/verify.js';
export { verifyPackage } from './package/verify.js';
export { parseManifest } from './package/manifest.js';
export { parseCertificateFile, verifyManifestSignature, signManifest, checkSignerTrust, parseFingerprint, type TrustOptions, type SignerTrust } from './package/certificate.js';
export { inspectPackage, type InspectReport } from './actions/inspect.js';
export type { Diagnostic, Severity } from './diagnostics/diagnostic.js';
export { OvfpipeError, type ErrorCode } from './diagnostics/errors.js';
export { main } from './cli/main.js';
// Network security metadata
export { readNetworkSecurity } from './netsec/read-section.js';
export { buildNetsecView } from './netsec/nic-bindings.js';
export { embedIntoDescriptor } from './netsec/embed.js';
export { embedPackage } from './actions/embed-package.js';
export { netsecReport } from './netsec/show.js';
export { parseBindingSpec } from './netsec/binding-spec.js';
export type { PortProfile, Binding, EmbeddedFilter, NetworkSecuritySection } from './netsec/model.js';
export { validatePortProfile, parsePortProfileYaml } from './netsec/profiles/index.js';
export { parseCatalogYaml, checkProfileAgainstCatalog, groupsOffering } from './netsec/catalog/index.js';
export { normalizeFilter } from './netsec/nwfilter/index.js';
export { lintFilterElement, lintFilterSet } from './lint/lint-nwfilter.js';
// Macros
export { resolveMacros, type MacroRequest, type MacroSources } from './macros/resolve.js';
export { parseVarsYaml, type VarsFile } from './macros/vars.js';
export { generateMac, generateVmUuid, generateInstanceId } from './macros/generate.js';
export { collectSpec, renderSpecYaml, type SpecEntry } from './render/spec.js';
export { packageVarKeys, varsFileKeyProblems, type PackageVarKeys } from './render/var-keys.js';
export { pipelineVarProblems } from './pipeline/vars-check.js';
export { expandHome, resolvePath } from './paths.js';
// Render
export { renderPackage, type RenderRequest, type RenderResult } from './render/render-package.js';
export { renderToDir } from './actions/render-to-dir.js';
export { renderDomain, renderDomainXml } from './render/domain.js';
export { renderOptions } from './render/options.js';
export type { NetworkMapping, RenderOptions, ResolvedNic } from './render/types.js';
export { RENDER_OPTION_TABLE, renderSettings, mergeSettings, type RenderSettings } from './render/option-table.js';
export { ovfEnvironmentXml, ovfEnvIso } from './render/ovf-env.js';
export { buildOvfEnvIso } from './actions/ovf-env-iso.js';
export { isoImage, type IsoFile, type IsoImageOptions } from './render/iso9660.js';
export { packageFirmware, type PackageFirmware } from './ovf/firmware.js';
// Deploy
export { deploy, type DeployRequest } from './deploy/deploy.js';
export { destroy } from './deploy/destroy.js';
export { probeHost } from './deploy/probe.js';
export { planHost } from './deploy/plan.js';
export { reportJson, reportJunit, mergeReports, type RunReport, type RunCheck } from './deploy/report.js';
export type { Transport } from './deploy/transport.js';
export { connectSsh } from './deploy/ssh/ssh-transport.js';
export { hostConnector } from './deploy/connect.js';
export { auditTargets, type AuditTarget, type AuditOptions } from './deploy/audit/audit.js';
export { packageTargets } from './deploy/audit/package-targets.js';
export { auditVms } from './deploy/audit/check.js';
export { auditJson, auditJunit, auditSarif, auditText } from './deploy/audit/format.js';
export { auditClean, DRIFT_CLASSES, type AuditResult, type AuditFinding, type DriftClass, type HostAudit, type VmAudit, type RepairAction } from './deploy/audit/model.js';
export { pipelineTargets } from './pipeline/audit.js';
// Pipeline and pack
export { loadPipeline, parsePipeline } from './pipeline/load.js';
export { runPipeline, destroyPipeline, preparePipeline } from './pipeline/run.js';
export { placeVms, shardHosts } from './pipeline/placement.js';
export { packPackage, PackRefusedError } from './package/pack.js';
export { readFilterTree, applySync } from './deploy/nwfilter-sync.js';
export { planSync, migrateArgv } from './netsec/sync-plan.js';
// Pictures: the HTML run report and the filter graph
export { buildHtmlReport, tenantGraph } from './deploy/report-html/build.js';
export { renderReportHtml, type HtmlReportInput } from './deploy/report-html/page.js';
export { auditAsRunReport, planAsRunReport } from './deploy/report-html/from-runs.js';
export { securityOf, type TenantSecurity, type PlacementEntry } from './deploy/report-security.js';
export type { StepTiming } from './deploy/step-timing.js';
export { graphElements, packageGraph, toDot, toMermaid, type FilterGraph } from './netsec/graph.js';
export { dotToSvg } from './netsec/graph-svg.js';
