/**
 * `~` in path settings. A shell expands `~/x` in an unquoted argument, but not
 * in `--identity=~/x`, in a YAML file (`identity: ~/.ssh/id_ed25519`) or in a
 * value that `${env:VAR:-~/.ssh/id_ed25519}` interpolation produced. Every
 * place ovfpipe takes a local path runs it through `expandHome`, so `~` means
 * the same everywhere. Only `~` and `~/…` are expanded (as POSIX sh does for
 * the current user); `~user/…` is left as written.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** `~` → home, `~/x` → home/x; any other path unchanged. `home` defaults to the user's ($HOME, else the passwd entry). */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

/** A local path setting as a full path: `~` expanded, then resolved against `base` when relative. */
export function resolvePath(base: string, path: string, home?: string): string {
  const expanded = expandHome(path, home);
  return isAbsolute(expanded) ? expanded : resolve(base, expanded);
}
