/**
 * Diagnostics raised while loading a file, before any rule can run: the file
 * is not readable as a package, not well-formed XML, or not an OVF envelope.
 * They are listed here as rule metadata so they are documented, appear in
 * SARIF `rules[]`, and can be looked up like any other rule id. They cannot
 * be turned off: nothing else can be checked when they fire.
 */
import { reportedRuleMeta, type RuleMeta } from '../diagnostics/rule.js';

export const loaderRules: readonly RuleMeta[] = [
  reportedRuleMeta('package-readable', 'package', 'The package opens safely: a known form, no hostile or truncated members, a single descriptor'),
  reportedRuleMeta('xml-well-formed', 'parse', 'The descriptor or filter is well-formed UTF-8 XML within the size and depth limits, with no DOCTYPE'),
  reportedRuleMeta('ovf-envelope', 'parse', 'The root element is an OVF Envelope in a known OVF namespace (0.9, 1.x or 2.x)'),
];

/**
 * Checks that only `verify` makes, because they need every byte of every
 * member (lint never hashes disks). Listed for documentation and SARIF.
 */
export const verifyRules: readonly RuleMeta[] = [
  reportedRuleMeta('manifest-digest', 'package', 'verify: every member digest equals the one in the manifest (SHA1, SHA256 or SHA512)', 'mismatch'),
  reportedRuleMeta('member-size', 'package', 'verify: every member has the size its container and References declare', 'mismatch'),
  reportedRuleMeta('certificate-signature', 'package', 'verify: the .cert signature over the manifest is valid; the signer and validity window are reported', 'invalid'),
  reportedRuleMeta('certificate-trust', 'package', 'verify --trust/--signer: the signer chains to a trusted certificate and/or has a pinned fingerprint', 'untrusted'),
  reportedRuleMeta('reference-outside', 'package', "verify, render, deploy, pack: no References file outside the package's folder is read without --allow-outside-refs", 'outside'),
  reportedRuleMeta('package-descriptor', 'package', 'verify: the package has exactly one .ovf descriptor at its top level', 'missing'),
  reportedRuleMeta('member-read', 'package', 'verify: every member reads to its end (no truncation, corrupt compression or I/O error)'),
];
