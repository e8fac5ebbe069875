/**
 * Diagnostics raised while loading a file, before any rule can run: the file
 * is not readable as a package, not well-formed XML, or not an OVF envelope.
 * They are listed here as rule metadata so they are documented, appear in
 * SARIF `rules[]`, and can be looked up like any other rule id. They cannot
 * be turned off: nothing else can be checked when they fire.
 */
import type { RuleMeta } from './rule.js';

export const loaderRules: readonly RuleMeta[] = [
  {
    id: 'package-readable',
    family: 'package',
    defaultSeverity: 'error',
    description: 'The package opens safely: a known form, no hostile or truncated members, a single descriptor',
    messages: { failed: '{{message}}' },
  },
  {
    id: 'xml-well-formed',
    family: 'parse',
    defaultSeverity: 'error',
    description: 'The descriptor or filter is well-formed UTF-8 XML within the size and depth limits, with no DOCTYPE',
    messages: { failed: '{{message}}' },
  },
  {
    id: 'ovf-envelope',
    family: 'parse',
    defaultSeverity: 'error',
    description: 'The root element is an OVF Envelope in a known OVF namespace (0.9, 1.x or 2.x)',
    messages: { failed: '{{message}}' },
  },
];

/**
 * Checks that only `verify` makes, because they need every byte of every
 * member (lint never hashes disks). Listed for documentation and SARIF.
 */
export const verifyRules: readonly RuleMeta[] = [
  {
    id: 'manifest-digest',
    family: 'package',
    defaultSeverity: 'error',
    description: 'verify: every member digest equals the one in the manifest (SHA1, SHA256 or SHA512)',
    messages: { mismatch: '{{message}}' },
  },
  {
    id: 'member-size',
    family: 'package',
    defaultSeverity: 'error',
    description: 'verify: every member has the size its container and References declare',
    messages: { mismatch: '{{message}}' },
  },
  {
    id: 'certificate-signature',
    family: 'package',
    defaultSeverity: 'error',
    description: 'verify: the .cert signature over the manifest is valid; the signer and validity window are reported',
    messages: { invalid: '{{message}}' },
  },
  {
    id: 'package-descriptor',
    family: 'package',
    defaultSeverity: 'error',
    description: 'verify: the package has exactly one .ovf descriptor at its top level',
    messages: { missing: '{{message}}' },
  },
  {
    id: 'member-read',
    family: 'package',
    defaultSeverity: 'error',
    description: 'verify: every member reads to its end (no truncation, corrupt compression or I/O error)',
    messages: { failed: '{{message}}' },
  },
];
