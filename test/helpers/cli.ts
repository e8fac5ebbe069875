import { main } from '../../src/cli/main.js';

/** Runs the CLI's main() with captured output; `env` is what the command sees as its environment (default: none). */
export async function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
  });
  return { code, out, err };
}
