/**
 * Options shared by the lint formatters. Formatters are pure functions from
 * results to text (after eslint's `lib/cli-engine/formatters/`): anything
 * they need from the environment (TTY, rule table, version) comes in here.
 */
import type { RuleMeta } from '../rule.js';

export interface FormatOptions {
  /** `--strict`: warnings fail too (JUnit writes them as failures; otherwise they go to system-out). */
  strict?: boolean;
  /** ANSI colour (stylish only). The CLI passes `isTTY && !NO_COLOR`. */
  color?: boolean;
  /** Rule metadata, for SARIF `tool.driver.rules`. */
  rules?: readonly RuleMeta[];
  /** Directory that file paths are made relative to (SARIF artifact URIs). */
  cwd?: string;
  /** ovfpipe version for SARIF `tool.driver.version`. */
  toolVersion?: string;
  /** SARIF `tool.driver.informationUri`. */
  informationUri?: string;
  /** Base URI of the rule docs; `<base>/<id>.md` becomes each rule's SARIF `helpUri`. */
  docsBaseUri?: string;
}

/** The npm package page: the one public home the package is known to have. */
export const DEFAULT_INFORMATION_URI = 'https://www.npmjs.com/package/ovfpipe';

/** `docs/` ships in the npm package (package.json "files"), so unpkg serves the rule pages per version. */
export function defaultDocsBaseUri(version: string | undefined): string {
  return `https://unpkg.com/ovfpipe${version ? `@${version}` : ''}/docs/rules`;
}
