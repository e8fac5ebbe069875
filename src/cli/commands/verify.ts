import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { VerifyReport } from '../../actions/verify.js';
import { collect, EXIT, type CliIo } from '../io.js';

interface VerifyFlags {
  json?: boolean;
  trust: string[];
  signer: string[];
  allowOutsideRefs?: boolean;
}

export function registerVerify(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('verify')
    .description('check every digest in the manifest, every size in References, member order and the signature, in one streaming pass')
    .argument('<pkg>', 'package: directory, .ovf, .ova (optionally gzip-compressed) or zip')
    .option('--json', 'print the report as JSON')
    .option(
      '--trust <cert.pem>',
      'trust a signer that chains to this certificate (a CA, or the signing certificate itself); repeatable. With --trust or --signer, an untrusted signer or an unsigned package fails',
      collect,
      [],
    )
    .option('--signer <SHA256:fingerprint>', 'accept only a signing certificate with this SHA-256 fingerprint (hex, as openssl x509 -fingerprint -sha256 prints it); repeatable', collect, [])
    .option('--allow-outside-refs', "read References files outside the package's folder (hrefs with .., absolute paths, links that lead out); without it each is an error")
    .action(async (pkg: string, opts: VerifyFlags) => {
      const { verifyPath } = await import('../../actions/verify.js');
      const report = await verifyPath(pkg, { allowOutsideRefs: opts.allowOutsideRefs, trustFiles: opts.trust.map((f) => resolve(io.cwd, f)), signers: opts.signer });
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
  const s = r.signature;
  if (s) {
    const trust = s.trust ? `, ${s.trust.status === 'trusted' ? 'signer trusted' : s.trust.message}` : '';
    lines.push(
      `  signature ${s.valid ? 'valid' : 'INVALID'}${trust}${s.subject ? `, signer ${s.subject}` : ''}${s.fingerprint256 ? ` (SHA256:${s.fingerprint256})` : ''}${s.notAfter ? `, valid until ${s.notAfter}` : ''}`,
    );
  }
  for (const p of r.problems) lines.push(`  ${p.severity}: ${p.line ? `${p.file ?? ''}:${p.line}:${p.column}: ` : ''}${p.message} [${p.ruleId}]${p.locator ? ` ${p.locator}` : ''}`);
  lines.push(r.ok ? 'OK' : 'FAILED');
  return `${lines.join('\n')}\n`;
}
