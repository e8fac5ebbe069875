/**
 * Many virsh commands that change a host, in one virsh process (one libvirt
 * connection) per 50, as batch commands (batch.ts): `virsh -c URI "echo B 0;
 * destroy a; undefine --nvram a; echo B 1; …"`. virsh goes on after a
 * failing command and prints each command's messages in order (stderr
 * merged), so each item's frame holds exactly its own messages; an item
 * succeeded when its frame holds the message virsh prints on success of its
 * last command (virsh runs under LC_ALL=C, so the words are these; an
 * earlier command may fail as expected, e.g. `destroy` of a stopped domain). A name virsh's own
 * command-line parser could read differently (quotes, spaces, `;`) gets a
 * process of its own, its words as argv. Destroy and the removal of filters
 * use it (issue 19: one process per host, not one per domain).
 */
import { randomBytes } from 'node:crypto';
import type { BatchCommand, BatchResult } from './batch.js';

const SAFE_WORD = /^[A-Za-z0-9_.+:@/=-]+$/;
const PER_PROCESS = 50;

export interface SessionItem {
  /** virsh commands, each one argv (without `virsh -c URI`). */
  commands: ReadonlyArray<readonly string[]>;
  /** What virsh prints when the item worked (`Domain 'a' has been undefined`). */
  success: string;
}

export interface SessionResult {
  ok: boolean;
  /** The item's messages (virsh's stdout and stderr). */
  output: string;
}

export interface VirshSession {
  commands: BatchCommand[];
  results(batch: readonly BatchResult[]): SessionResult[];
}

/** The batch commands that run `items` in order, and how to read each item's result back from theirs. */
export function virshSession(uri: string, items: readonly SessionItem[]): VirshSession {
  const boundary = `ovfpipe-${randomBytes(12).toString('hex')}`;
  const commands: BatchCommand[] = [];
  const plan: number[][] = [];
  let group: number[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const script = group.map((i) => [`echo ${boundary} ${i}`, ...items[i]!.commands.map((c) => c.join(' '))].join('; ')).join('; ');
    commands.push({ argv: ['env', 'LC_ALL=C', 'virsh', '-c', uri, script], stderr: 'merge' });
    plan.push(group);
    group = [];
  };
  items.forEach((item, i) => {
    if (item.commands.every((c) => c.every((w) => SAFE_WORD.test(w)))) {
      group.push(i);
      if (group.length >= PER_PROCESS) flush();
      return;
    }
    flush(); // keep the order: what came before runs first
    // $1 the URI, then every command's words: command k is the slice that starts after the ones before it.
    let at = 2;
    const calls: string[] = [];
    for (const c of item.commands) {
      calls.push(`virsh -c "$1" "\${@:${at}:${c.length}}"`);
      at += c.length;
    }
    const script = calls.join('; ');
    commands.push({ argv: ['env', 'LC_ALL=C', 'bash', '-c', `echo ${boundary} ${i}; ${script}`, 'ovfpipe-virsh', uri, ...item.commands.flat()], stderr: 'merge' });
    plan.push([i]);
  });
  flush();
  return {
    commands,
    results(batch) {
      const out: SessionResult[] = items.map(() => ({ ok: false, output: '' }));
      plan.forEach((_, c) => {
        const r = batch[c];
        if (!r) return;
        const parts = r.output.split(new RegExp(`^${boundary} (\\d+)\\n`, 'm'));
        for (let k = 1; k + 1 < parts.length; k += 2) {
          const i = Number(parts[k]);
          const text = parts[k + 1]!;
          out[i] = { ok: text.includes(items[i]!.success), output: text.trim() };
        }
        // Nothing framed (virsh could not connect): each item of this process gets what it printed.
        for (const i of plan[c]!) if (out[i]!.output === '' && !out[i]!.ok) out[i] = { ok: false, output: (parts[0] ?? '').trim() || `virsh exited ${r.code}` };
      });
      return out;
    },
  };
}
