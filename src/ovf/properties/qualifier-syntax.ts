/**
 * Reads the `ovf:qualifiers` attribute (DSP0243 §9.5: "a comma-separated set
 * of type qualifiers", written in DSP0004 MOF qualifier form such as
 * `MinLen(1),MaxLen(64)` or `ValueMap{"a","b"}`). Syntax only: what a
 * qualifier means, and whether it fits the type, is `qualifiers.ts`.
 */

export interface ParsedQualifier {
  name: string;
  /** Source text of the whole qualifier, for messages. */
  text: string;
  form: 'bare' | 'paren' | 'brace';
  /** Raw text between the brackets ('' for the bare form). */
  arg: string;
}

export interface QualifierSyntaxIssue {
  /** `separator`: qualifiers separated by whitespace only, which some tools write and others reject. */
  kind: 'malformed' | 'separator';
  text: string;
  reason: string;
}

export interface ParsedQualifiers {
  items: ParsedQualifier[];
  issues: QualifierSyntaxIssue[];
}

const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Index of `close` at nesting level zero from `from`, skipping double-quoted strings; -1 if absent. */
function findClose(text: string, from: number, close: string): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === close) return i;
  }
  return -1;
}

/** Index of the next comma outside quotes and brackets, or the text length. */
function nextSeparator(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) return i;
  }
  return text.length;
}

class QualifierScanner {
  private i = 0;
  readonly items: ParsedQualifier[] = [];
  readonly issues: QualifierSyntaxIssue[] = [];
  constructor(private readonly text: string) {}

  private skipSpace(): boolean {
    const start = this.i;
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
    return this.i > start;
  }

  private malformedUntilSeparator(start: number, reason: string): void {
    const end = nextSeparator(this.text, this.i);
    this.issues.push({ kind: 'malformed', text: this.text.slice(start, end).trim(), reason });
    this.i = end;
  }

  /** Reads one qualifier at the cursor; returns false when the rest of the text is unusable. */
  private qualifier(): boolean {
    const start = this.i;
    NAME_RE.lastIndex = this.i;
    const m = NAME_RE.exec(this.text);
    if (!m) {
      this.malformedUntilSeparator(start, 'expected a qualifier name');
      return true;
    }
    this.i += m[0].length;
    const afterName = this.i;
    this.skipSpace();
    const open = this.text[this.i];
    if (open !== '(' && open !== '{') {
      this.i = afterName;
      this.items.push({ name: m[0], text: m[0], form: 'bare', arg: '' });
      return true;
    }
    const end = findClose(this.text, this.i + 1, open === '(' ? ')' : '}');
    if (end < 0) {
      this.issues.push({ kind: 'malformed', text: this.text.slice(start).trim(), reason: `no closing '${open === '(' ? ')' : '}'}'` });
      return false;
    }
    this.items.push({ name: m[0], text: this.text.slice(start, end + 1), form: open === '(' ? 'paren' : 'brace', arg: this.text.slice(this.i + 1, end) });
    this.i = end + 1;
    return true;
  }

  scan(): void {
    this.skipSpace();
    while (this.i < this.text.length) {
      if (!this.qualifier()) return;
      const spaced = this.skipSpace();
      if (this.i >= this.text.length) return;
      if (this.text[this.i] === ',') {
        this.i++;
        this.skipSpace();
        if (this.i >= this.text.length) this.issues.push({ kind: 'malformed', text: this.text.trim(), reason: 'trailing comma' });
        continue;
      }
      const last = this.items[this.items.length - 1];
      if (spaced && last !== undefined) {
        // e.g. `MinValue(1) MaxValue(10)`: the attribute is defined as comma-separated.
        this.issues.push({ kind: 'separator', text: this.text.trim(), reason: 'qualifiers are separated by whitespace, not commas' });
        continue;
      }
      this.malformedUntilSeparator(this.i, `unexpected '${this.text[this.i]}'`);
      if (this.text[this.i] === ',') this.i++;
      this.skipSpace();
    }
  }
}

/** Splits `ovf:qualifiers` into qualifiers, collecting syntax issues rather than failing. */
export function parseQualifierSyntax(text: string): ParsedQualifiers {
  const s = new QualifierScanner(text);
  s.scan();
  return { items: s.items, issues: s.issues };
}

/** Index of the quote closing the string literal that opens `raw`, or -1. */
function stringEnd(raw: string): number {
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '"') return i;
  }
  return -1;
}

export interface ListEntry {
  value: string;
  quoted: boolean;
}

/**
 * Splits a `ValueMap{…}` body into entries. DSP0004 writes each entry as a
 * string literal (`"a"`, with `\"` and `\\` escapes); bare tokens are kept and
 * flagged so the caller can warn. Returns undefined when an entry is empty or
 * a string is not closed.
 */
export function splitList(body: string): ListEntry[] | undefined {
  const out: ListEntry[] = [];
  let i = 0;
  while (i <= body.length) {
    const end = nextSeparator(body, i);
    const raw = body.slice(i, end).trim();
    if (raw === '') return undefined;
    if (raw.startsWith('"')) {
      if (stringEnd(raw) !== raw.length - 1) return undefined;
      out.push({ value: raw.slice(1, -1).replace(/\\(.)/g, '$1'), quoted: true });
    } else out.push({ value: raw, quoted: false });
    i = end + 1;
  }
  return out;
}
