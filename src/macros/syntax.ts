/**
 * Template macro syntax (PRODUCT.md §4): `${name}` in binding parameters and
 * profile fields, with `name` matching `[A-Za-z_][A-Za-z0-9_.-]*` so that OVF
 * property references such as `${com.example.web.ip}` work.
 *
 * These are not libvirt nwfilter variables (`$IP`, `$VAR[@1]`): a `$` that is
 * not followed by `{` is literal text and is left alone.
 *
 * Escape: `$${` is always a literal `${` (read left to right). Nothing libvirt
 * accepts in a filter parameter can contain `$` or `{`, but profile fields and
 * OVF property values handed to the guest can, and without an escape such a
 * value could not be written at all.
 *
 * Substitution is one pass: a resolved value is inserted verbatim and is not
 * scanned again, so a value that itself contains `${x}` stays as written.
 */

/** A macro name (without `${` and `}`). */
export const MACRO_NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export interface MacroRef {
  name: string;
  /** Offset of the `$` in the template. */
  start: number;
  /** Offset just past the closing `}`. */
  end: number;
}

export interface MacroSyntaxProblem {
  /** Offset of the `$` that starts the bad reference. */
  start: number;
  message: string;
}

type Token = { kind: 'text'; text: string } | { kind: 'macro'; ref: MacroRef; raw: string } | { kind: 'bad'; problem: MacroSyntaxProblem; raw: string };

function tokenize(template: string): Token[] {
  const tokens: Token[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('$${', i)) {
      text += '${';
      i += 3;
    } else if (template.startsWith('${', i)) {
      if (text) tokens.push({ kind: 'text', text });
      text = '';
      i = readReference(template, i, tokens);
    } else text += template[i++];
  }
  if (text) tokens.push({ kind: 'text', text });
  return tokens;
}

/** Reads the reference starting at `${` and returns the offset after it. */
function readReference(template: string, start: number, tokens: Token[]): number {
  const close = template.indexOf('}', start + 2);
  if (close === -1) {
    const raw = template.slice(start);
    tokens.push({ kind: 'bad', raw, problem: { start, message: `unterminated macro '${raw}' (missing '}')` } });
    return template.length;
  }
  const raw = template.slice(start, close + 1);
  const name = template.slice(start + 2, close);
  if (MACRO_NAME_RE.test(name)) tokens.push({ kind: 'macro', raw, ref: { name, start, end: close + 1 } });
  else
    tokens.push({
      kind: 'bad',
      raw,
      problem: { start, message: `'${raw}' is not a valid macro name (letters, digits, '_', '.', '-', not starting with a digit, '.' or '-')` },
    });
  return close + 1;
}

export interface MacroScan {
  refs: MacroRef[];
  problems: MacroSyntaxProblem[];
}

/** Finds every `${name}` in `template` (skipping `$${` escapes) and every malformed reference. */
export function findMacros(template: string): MacroScan {
  const scan: MacroScan = { refs: [], problems: [] };
  for (const t of tokenize(template)) {
    if (t.kind === 'macro') scan.refs.push(t.ref);
    else if (t.kind === 'bad') scan.problems.push(t.problem);
  }
  return scan;
}

/** The macro name if `value` is exactly one macro and nothing else (e.g. `${ip}`), else undefined. */
export function wholeMacroName(value: string): string | undefined {
  const tokens = tokenize(value);
  const only = tokens[0];
  return tokens.length === 1 && only?.kind === 'macro' ? only.ref.name : undefined;
}

/** True if `value` contains any macro reference, well-formed or not. */
export function hasMacros(value: string): boolean {
  return tokenize(value).some((t) => t.kind !== 'text');
}

export interface Substitution {
  text: string;
  /** Names that `lookup` did not know, in order of first appearance. */
  missing: string[];
}

/**
 * Replaces every macro with `lookup(name)`. Unknown names and malformed
 * references are left as written (unknown names are listed in `missing`);
 * `$${` escapes become a literal `${`.
 */
export function substituteMacros(template: string, lookup: (name: string) => string | undefined): Substitution {
  const missing: string[] = [];
  let text = '';
  for (const t of tokenize(template)) {
    if (t.kind === 'text') text += t.text;
    else if (t.kind === 'bad') text += t.raw;
    else {
      const value = lookup(t.ref.name);
      if (value === undefined && !missing.includes(t.ref.name)) missing.push(t.ref.name);
      text += value ?? t.raw;
    }
  }
  return { text, missing };
}
