/**
 * Progress (PRODUCT.md §7): on a TTY, one bar per host (bytes sent) and a
 * total bar (VMs done), via cli-progress; off a TTY, plain lines. Log lines
 * go above the bars on a TTY. cli-progress is loaded only for a TTY: a run
 * in CI or a script does not pay its start-up.
 */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import type { VmOutcome } from './executor.js';

export interface Progress {
  /** The number of VMs the run will work on, once known. */
  planned(n: number): void;
  log(line: string): void;
  bytes(host: string, n: number): void;
  /** A VM landed (or failed): counted on the bar and written as a line as it happens. */
  vm(o: VmOutcome): void;
  stop(): void;
}

export function createProgress(stream: { write(s: string): unknown; isTTY?: boolean }): Progress {
  if (!stream.isTTY) {
    return { planned: () => undefined, log: (l) => void stream.write(`${l}\n`), bytes: () => undefined, vm: (o) => void stream.write(`${vmLine(o)}\n`), stop: () => undefined };
  }
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const multi = new cliProgress.MultiBar(
    { format: ' {label} |{bar}| {value}/{total} {unit}', hideCursor: true, clearOnComplete: false, stream: stream as NodeJS.WritableStream, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  const total = multi.create(1, 0, { label: 'VMs'.padEnd(28), unit: 'done' });
  const hosts = new Map<string, { bar: CliProgress.SingleBar; sent: number }>();
  return {
    planned: (n) => total.setTotal(Math.max(n, 1)),
    log: (l) => multi.log(`${l}\n`),
    bytes: (host, n) => {
      let h = hosts.get(host);
      if (!h) hosts.set(host, (h = { bar: multi.create(1, 0, { label: host.slice(0, 28).padEnd(28), unit: 'MiB sent' }), sent: 0 }));
      h.sent += n;
      const mib = Math.round((h.sent / 2 ** 20) * 10) / 10;
      h.bar.setTotal(Math.max(1, Math.ceil(mib)));
      h.bar.update(mib);
    },
    vm: (o) => {
      multi.log(`${vmLine(o)}\n`);
      total.increment();
    },
    stop: () => {
      multi.update(); // flush log lines buffered since the last frame
      multi.stop();
    },
  };
}

/** `host: name status[: error]`, one line per VM. */
export function vmLine(o: VmOutcome): string {
  return `${o.host}: ${o.name} ${o.status}${o.error ? `: ${o.error}` : ''}`;
}
