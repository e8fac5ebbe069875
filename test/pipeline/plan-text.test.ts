/** plan's human output: a host apply would stop at says why, once (its connection error, or its preflight problems). */
import { describe, expect, it } from 'vitest';
import type { HostPlan } from '../../src/deploy/plan.js';
import { hostPlans, hostPlansText } from '../../src/pipeline/plan-text.js';

const empty = (problems: string[] = []): HostPlan => ({ filters: [], images: [], vms: [], bytesToSend: 0, problems });

describe('plan text', () => {
  it('lists preflight problems under their host, in text and JSON; a clean host has none', () => {
    const hosts = hostPlans([
      { host: 'ssh://a', plan: empty(['bridge br9 missing on the host']) },
      { host: 'ssh://b', plan: empty() },
      { host: 'ssh://c', error: 'connect ECONNREFUSED [OVFPIPE_SSH_CONNECT]' },
    ]);
    expect(hosts[0]!.problems).toEqual(['bridge br9 missing on the host']);
    expect(hosts[1]).not.toHaveProperty('problems');
    const text = hostPlansText(hosts);
    expect(text).toBe('ssh://a\n  PROBLEM   bridge br9 missing on the host\nssh://b\nssh://c: ERROR connect ECONNREFUSED [OVFPIPE_SSH_CONNECT]\n');
    expect(text.match(/ECONNREFUSED/g)).toHaveLength(1);
  });
});
