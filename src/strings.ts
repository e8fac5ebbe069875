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
