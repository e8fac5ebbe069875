import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const manifest = require('../package.json') as { version: string; repository?: string | { url?: string } };

/** The package version, read from package.json so there is one source of truth. */
export const VERSION: string = manifest.version;

/**
 * The web address of the source repository, from package.json `repository` (`https://…`, `git+https://….git`,
 * or `github:owner/name`), or undefined when package.json names none: links to our docs (SARIF `helpUri`)
 * are built from it or left out, never made up.
 */
export const REPOSITORY_URL: string | undefined = repositoryUrl(manifest.repository);

export function repositoryUrl(repository: string | { url?: string } | undefined): string | undefined {
  const raw = typeof repository === 'string' ? repository : repository?.url;
  if (raw === undefined) return undefined;
  const github = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(raw);
  if (github) return `https://github.com/${github[1]!.replace(/\.git$/, '')}`;
  const url = /^(?:git\+)?(https:\/\/[^\s#?]+?)(?:\.git)?\/?$/.exec(raw);
  return url ? url[1] : undefined;
}
