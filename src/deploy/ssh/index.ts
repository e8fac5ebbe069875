/** The SSH transport: public surface of src/deploy/ssh/. */
export { resolveTarget, expandPath, type SshTarget, type ResolveOptions } from './config.js';
export { connectSsh, SshTransport, type SshTransportOptions } from './ssh-transport.js';
export { DEFAULT_MAX_OUTPUT_BYTES, type SshExecOptions } from './exec.js';
export { cleanupTemps, putFile, PARTIAL_MARKER, PARTIAL_MAX_AGE_MS, TEMP_MARKER, type RemoteHash, type SshPutOptions } from './put.js';
export { shellQuote, commandLine } from './quote.js';
export {
  parseKnownHosts,
  checkHostKey,
  lookupHostKey,
  knownHostName,
  sha256Fingerprint,
  keyTypeOf,
  entryMatchesHost,
  wildcardMatch,
  type KnownHostEntry,
  type KnownHostsProblem,
  type HostKeyStatus,
  type HostKeyLookup,
} from './known-hosts.js';
export { verifyHostKey, loadKnownHosts, parseFingerprint, defaultKnownHostsFiles, type HostKeyPolicy } from './host-key.js';
export { withRetry, type RetryOptions } from './retry.js';
export { mapSshError, isTransient } from './ssh-errors.js';
