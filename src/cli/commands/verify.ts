import type { Command } from 'commander';
import type { VerifyReport } from '../../actions/verify.js';
import { EXIT, type CliIo } from '../io.js';

export function registerVerify(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('verify')
    .description('check every digest in the manifest, every size in References, member order and the signature, in one streaming pass')
    .argument('<pkg>', 'package: directory, .ovf, .ova (optionally gzip-compressed) or zip')
    .option('--json', 'print the report as JSON')
    .action(async (pkg: string, opts: { json?: boolean }) => {
      const { verifyPath } = await import('../../actions/verify.js');
      const report = await verifyPath(pkg);
      io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(pkg, report));
      setExit(report.ok ? EXIT.ok : EXIT.problems);
    });
}

function renderText(pkg: string, r: VerifyReport): string {
  const lines = [`${pkg}: ${r.kind}, descriptor ${r.descriptor ?? '(none)'}${r.manifest.name ? `, manifest ${r.manifest.name}` : ', no manifest'}`];
  for (const f of r.files) {
    const digest = f.manifestDigest ? `${f.manifestDigest.algorithm}` : 'sha256';
    lines.push(`  ${f.status.padEnd(13)} ${f.name} (${f.size ?? '?'} bytes, ${digest})`);
  }
  if (r.signature) {
    const s = r.signature as { valid: boolean; subject?: string; issuer?: string; notAfter?: string };
    lines.push(`  signature ${s.valid ? 'valid' : 'INVALID'}${s.subject ? `, signer ${s.subject}` : ''}${s.notAfter ? `, valid until ${s.notAfter}` : ''}`);
  }
  for (const p of r.problems) lines.push(`  ${p.severity}: ${p.message} [${p.ruleId}]${p.locator ? ` ${p.locator}` : ''}`);
  lines.push(r.ok ? 'OK' : 'FAILED');
  return `${lines.join('\n')}\n`;
}
