/**
 * Options shared by the lint formatters. Formatters are pure functions from
 * results to text (after eslint's `lib/cli-engine/formatters/`): anything
 * they need from the environment (TTY, rule table, version) comes in here.
 */
import type { RuleMeta } from '../rule.js';
import { REPOSITORY_URL } from '../../version.js';

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
  /** SARIF `tool.driver.informationUri` (default: package.json's repository, else none). */
  informationUri?: string;
  /** Base URI of the rule docs; `<base>/<id>.md` becomes each rule's SARIF `helpUri` (default: from package.json's repository, else no helpUri). */
  docsBaseUri?: string;
}

/**
 * Where the rule pages live: `docs/rules/<id>.md` in the repository package.json names (on its default branch),
 * or undefined when it names none; then SARIF carries no `helpUri` rather than a link to nothing.
 */
export function defaultDocsBaseUri(repository: string | undefined = REPOSITORY_URL): string | undefined {
  return repository === undefined ? undefined : `${repository}/blob/HEAD/docs/rules`;
}
