/**
 * The default, human-readable report (after eslint's stylish formatter): one
 * block per file with aligned `line:col  severity  message  ruleId  locator`
 * rows, then a summary line. Colour only when asked (the CLI decides: a TTY
 * and no NO_COLOR); plain ANSI codes, no dependency.
 */
import type { Severity } from '../../diagnostics/diagnostic.js';
import type { LintResult } from '../engine.js';
import type { FormatOptions } from './options.js';

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', dim: '\u001b[2m', underline: '\u001b[4m', red: '\u001b[31m', yellow: '\u001b[33m', cyan: '\u001b[36m' } as const;

type Paint = (text: string, ...styles: Array<keyof typeof ANSI>) => string;

function painter(color: boolean): Paint {
  return (text, ...styles) => (color && text !== '' ? `${styles.map((s) => ANSI[s]).join('')}${text}${ANSI.reset}` : text);
}

const SEVERITY_STYLE: Record<Severity, keyof typeof ANSI> = { error: 'red', warning: 'yellow', info: 'cyan' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One line per diagnostic (newlines would break the table), and no terminal
 * control characters: messages quote text from untrusted descriptors, which
 * must not be able to move the cursor or recolour the terminal.
 */
function printable(s: string): string {
  return (
    s
      // One pass over each whitespace run (a `\s*[\r\n]+\s*` pattern would backtrack quadratically).
      .replace(/\s+/g, (run) => (/[\r\n]/.test(run) ? ' ' : run))
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  );
}

function fileBlock(result: LintResult, paint: Paint): string[] {
  const rows = result.diagnostics.map((d) => ({
    cells: [`${d.line}:${d.column}`, d.severity, printable(d.message), d.ruleId, printable(d.locator)],
    severity: d.severity,
  }));
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r.cells[i]!.length)));
  const lines = rows.map(({ cells, severity }) => {
    const padded = cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c));
    const [pos, sev, msg, rule, locator] = padded as [string, string, string, string, string];
    const text = `  ${paint(pos, 'dim')}  ${paint(sev, SEVERITY_STYLE[severity])}  ${msg}  ${paint(rule, 'dim')}  ${paint(locator, 'dim')}`;
    return text.trimEnd();
  });
  return [paint(printable(result.file), 'underline'), ...lines, ''];
}

function summary(results: readonly LintResult[], paint: Paint): string | undefined {
  const count = { error: 0, warning: 0, info: 0 };
  for (const r of results) for (const d of r.diagnostics) count[d.severity]++;
  const total = count.error + count.warning + count.info;
  if (total === 0) return undefined;
  const parts = [plural(count.error, 'error'), plural(count.warning, 'warning')];
  if (count.info > 0) parts.push(`${count.info} info`);
  return paint(`\u2716 ${plural(total, 'problem')} (${parts.join(', ')})`, 'bold', count.error > 0 ? 'red' : count.warning > 0 ? 'yellow' : 'cyan');
}

/** Returns '' when there is nothing to report, like eslint. */
export function formatStylish(results: readonly LintResult[], opts: FormatOptions = {}): string {
  const paint = painter(opts.color === true);
  const lines: string[] = [];
  for (const r of results) if (r.diagnostics.length > 0) lines.push(...fileBlock(r, paint));
  const total = summary(results, paint);
  if (total === undefined) return '';
  return `${[...lines, total].join('\n')}\n`;
}
