/**
 * Many read-only virsh queries in one virsh process: `virsh "echo B 0;
 * dumpxml a; echo B 1; …"` runs them over one libvirt connection, and virsh
 * goes on after a failing command (measured on libvirt 9.0). Each process
 * start and connection costs tens of milliseconds; one per VM dominated the
 * audit of a large host. Each answer is framed by a random boundary; an
 * empty answer is a failure (its error went to stderr). A name virsh's own
 * command-line parser could read differently (quotes, spaces, `;`) is asked
 * in a process of its own instead, as an argv.
 */
import { randomBytes } from 'node:crypto';
import type { BatchCommand, BatchResult } from '../batch.js';
import { virshCommand } from '../host-queries.js';

const SAFE_WORD = /^[A-Za-z0-9_.+:@/=-]+$/;
const PER_PROCESS = 50;

export interface MultiQuery {
  commands: BatchCommand[];
  /** The answers, in the order of the queries, from the results of `commands`. */
  answers(results: readonly BatchResult[]): BatchResult[];
}

export function virshMulti(uri: string, queries: ReadonlyArray<readonly string[]>): MultiQuery {
  const boundary = `ovfpipe-${randomBytes(12).toString('hex')}`;
  const commands: BatchCommand[] = [];
  // For each command: the query indexes it answers, and whether it is a multi-command process.
  const plan: Array<{ indexes: number[]; multi: boolean }> = [];
  let group: number[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const script = group.map((i) => `echo ${boundary} ${i}; ${queries[i]!.join(' ')}`).join('; ');
    commands.push({ argv: ['virsh', '-c', uri, script] });
    plan.push({ indexes: group, multi: true });
    group = [];
  };
  queries.forEach((q, i) => {
    if (q.every((w) => SAFE_WORD.test(w))) {
      group.push(i);
      if (group.length >= PER_PROCESS) flush();
    } else {
      commands.push(virshCommand(uri, ...q));
      plan.push({ indexes: [i], multi: false });
    }
  });
  flush();
  return {
    commands,
    answers(results) {
      const out: BatchResult[] = queries.map(() => ({ code: 1, output: '' }));
      plan.forEach((p, c) => {
        const r = results[c]!;
        if (!p.multi) {
          out[p.indexes[0]!] = r;
          return;
        }
        const parts = r.output.split(new RegExp(`^${boundary} (\\d+)\\n`, 'm'));
        for (let k = 1; k + 1 < parts.length; k += 2) {
          const text = parts[k + 1]!;
          out[Number(parts[k])] = { code: text.trim() === '' ? 1 : 0, output: text };
        }
      });
      return out;
    },
  };
}
