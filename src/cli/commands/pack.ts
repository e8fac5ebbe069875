import { readTextFile } from '../../actions/files.js';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { OvfpipeError } from '../../diagnostics/errors.js';
import type { DigestAlgorithm } from '../../package/manifest.js';
import type { PackResult } from '../../package/pack.js';
import { EXIT, type CliIo } from '../io.js';
import { resolvePath } from '../../paths.js';

interface PackFlags {
  output: string;
  digest: 'sha1' | 'sha256' | 'sha512';
  sign?: string;
  cert?: string;
  fixSizes?: boolean;
  force?: boolean;
  json?: boolean;
  allowOutsideRefs?: boolean;
}

export function registerPack(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('pack')
    .description('write a spec-ordered, reproducible OVA with a manifest and optionally a signature; References sizes are filled in or checked')
    .argument('<pkg>', 'package: a directory or a .ovf inside one (an .ova or zip is repacked)')
    .requiredOption('-o, --output <out.ova>', 'the OVA to write')
    .addOption(new Option('--digest <alg>', 'manifest digest').choices(['sha1', 'sha256', 'sha512']).default('sha256'))
    .option('--sign <key.pem>', 'private key (PEM) that signs the manifest; needs --cert')
    .option('--cert <cert.pem>', 'X.509 certificate (PEM) of the signing key, written into the .cert')
    .option('--fix-sizes', 'write the real size over a wrong ovf:size instead of refusing')
    .option('--force', 'replace OUT if it exists')
    .option(
      '--allow-outside-refs',
      "pack References files outside the package's folder (hrefs with .., absolute paths, links that lead out) under their own names, rewriting the hrefs; refused without it",
    )
    .option('--json', 'print the result as JSON')
    .action(async (pkg: string, opts: PackFlags) => {
      if (Boolean(opts.sign) !== Boolean(opts.cert)) throw new OvfpipeError('OVFPIPE_USAGE', '--sign and --cert go together');
      const sign = opts.sign && opts.cert ? { key: await readTextFile(resolvePath(io.cwd, opts.sign)), certificate: await readTextFile(resolvePath(io.cwd, opts.cert)) } : undefined;
      const { packPackage } = await import('../../package/pack.js');
      const result = await packPackage(resolve(io.cwd, pkg), {
        output: resolvePath(io.cwd, opts.output),
        digest: opts.digest.toUpperCase() as DigestAlgorithm,
        sign,
        force: opts.force,
        fixSizes: opts.fixSizes,
        allowOutsideRefs: opts.allowOutsideRefs,
        mtime: sourceDateEpoch(io.env['SOURCE_DATE_EPOCH']),
      });
      for (const w of result.warnings) io.stderr.write(`ovfpipe: warning: ${w}\n`);
      io.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderText(opts.output, result));
      setExit(EXIT.ok);
    });
}

/** reproducible-builds.org: SOURCE_DATE_EPOCH, when set, is the timestamp to write. */
function sourceDateEpoch(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^[0-9]+$/.test(value) || Number(value) >= 8 ** 11) throw new OvfpipeError('OVFPIPE_USAGE', `SOURCE_DATE_EPOCH="${value}" is not a number of seconds since 1970`);
  return Number(value);
}

function renderText(out: string, r: PackResult): string {
  const lines = [`wrote ${out} (${r.digest}${r.certificate ? ', signed' : ''})`];
  for (const m of r.members) lines.push(`  ${m.name} (${m.size} bytes)`);
  for (const s of r.sizes) lines.push(`  ${s.previous === undefined ? 'filled in' : `fixed (was "${s.previous}")`} ovf:size="${s.size}" for File '${s.id || s.href}'`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}
