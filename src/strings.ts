/**
 * Small string helpers that replace regexes of the form `/X+$/`: a regex
 * anchored only at the end is tried from every start position, so a long run
 * of X followed by anything else costs O(n²) (issue #18, docs/linearity.md).
 * These scan once, from the end.
 */

/** `s` without the trailing characters that are in `chars`. */
export function trimEndChars(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1]!)) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** `s` without the leading characters that are in `chars`. */
export function trimStartChars(s: string, chars: string): string {
  let start = 0;
  while (start < s.length && chars.includes(s[start]!)) start++;
  return start === 0 ? s : s.slice(start);
}

/** The last `/`-separated segment of a path, ignoring trailing slashes (`a/b/` → `b`). */
export function lastPathSegment(path: string): string {
  const trimmed = trimEndChars(path, '/');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * `text` cut to `max` characters with its full length noted, for messages that
 * quote a value from a package: a 300 000-character unit string must not make a
 * 300 000-character diagnostic.
 */
export function abbreviate(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours as one
 * edit (optimal string alignment), so the common typos `acem`/`acme` and `hostnme`/`hostname` are one
 * edit each. O(|a|·|b|): callers keep one side short.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name` by edit distance, when it is close enough to be a typo of it:
 * at most `maxDistance` edits (default: a third of the longer name, at most 3; none for names
 * under three characters, where one edit makes another name rather than a typo).
 * Ties go to the first candidate. A candidate whose length differs by more than the allowed
 * distance is never compared, so a huge `name` from untrusted input costs nothing.
 */
export function didYouMean(name: string, candidates: Iterable<string>, maxDistance?: number): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const allowed = maxDistance ?? Math.min(3, Math.floor(Math.max(name.length, c.length) / 3));
    if (c === name || allowed === 0 || Math.abs(c.length - name.length) > allowed) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d <= allowed && d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}
