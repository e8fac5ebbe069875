import { OvfpipeError } from '../diagnostics/errors.js';

export interface Shard {
  index: number;
  count: number;
}

/** What `--shard auto` reads, and what to set when nothing is there. */
const AUTO_HELP =
  'set CI_NODE_INDEX and CI_NODE_TOTAL (GitLab CI `parallel:`), or JOB_COMPLETION_INDEX and OVFPIPE_SHARD_COUNT (a Kubernetes Indexed Job; OVFPIPE_SHARD_COUNT = its completions), or pass --shard i/n';

/** A decimal integer without sign, blanks or leading zeros (`07` is refused rather than guessed at). */
function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^(0|[1-9]\d{0,8})$/.test(value) ? Number(value) : undefined;
}

function autoShard(env: Record<string, string | undefined>): Shard {
  const gitlab = env['CI_NODE_INDEX'] !== undefined || env['CI_NODE_TOTAL'] !== undefined;
  const k8s = env['JOB_COMPLETION_INDEX'] !== undefined;
  if (gitlab) {
    // GitLab CI: CI_NODE_INDEX is 1-based, CI_NODE_TOTAL the job count (docs.gitlab.com, predefined variables).
    const index = integer(env['CI_NODE_INDEX']);
    const count = integer(env['CI_NODE_TOTAL']);
    if (index === undefined || count === undefined || count < 1 || index < 1 || index > count)
      throw new OvfpipeError(
        'OVFPIPE_USAGE',
        `--shard auto: CI_NODE_INDEX='${env['CI_NODE_INDEX'] ?? ''}' CI_NODE_TOTAL='${env['CI_NODE_TOTAL'] ?? ''}': expected 1 <= CI_NODE_INDEX <= CI_NODE_TOTAL`,
      );
    return { index, count };
  }
  if (k8s) {
    // A Kubernetes Indexed Job: JOB_COMPLETION_INDEX is 0-based; the pod is not told the completions, so the Job sets OVFPIPE_SHARD_COUNT.
    const index = integer(env['JOB_COMPLETION_INDEX']);
    const count = integer(env['OVFPIPE_SHARD_COUNT']);
    if (env['OVFPIPE_SHARD_COUNT'] === undefined) throw new OvfpipeError('OVFPIPE_USAGE', `--shard auto: JOB_COMPLETION_INDEX is set but OVFPIPE_SHARD_COUNT is not: set it to the Job's completions`);
    if (index === undefined || count === undefined || count < 1 || index >= count)
      throw new OvfpipeError(
        'OVFPIPE_USAGE',
        `--shard auto: JOB_COMPLETION_INDEX='${env['JOB_COMPLETION_INDEX']}' OVFPIPE_SHARD_COUNT='${env['OVFPIPE_SHARD_COUNT']}': expected 0 <= JOB_COMPLETION_INDEX < OVFPIPE_SHARD_COUNT`,
      );
    return { index: index + 1, count };
  }
  throw new OvfpipeError('OVFPIPE_USAGE', `--shard auto: no shard in the environment: ${AUTO_HELP}`);
}

/**
 * `--shard i/n` (1-based), or `--shard auto` from the CI engine's environment (GitLab CI, a Kubernetes Indexed
 * Job); shared by plan, apply, destroy and audit.
 */
export function parseShard(s: string | undefined, env: Record<string, string | undefined> = {}): Shard | undefined {
  if (s === undefined) return undefined;
  if (s === 'auto') return autoShard(env);
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(s);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new OvfpipeError('OVFPIPE_USAGE', `--shard '${s}': expected i/n with 1 <= i <= n, or auto`);
  return { index, count };
}
