/** Whether a command-line tool a test reads back with (an oracle) is installed. In CI its absence is a failure. */
import { execFileSync } from 'node:child_process';
import { inCI } from './corpus.js';

/** True when `cmd -version` runs; false outside CI when it does not; throws in CI (`what` names the tool and its package). */
export function toolPresent(cmd: string, what: string): boolean {
  try {
    execFileSync(cmd, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (inCI) throw new Error(`${what} is required in CI`);
    return false;
  }
}
