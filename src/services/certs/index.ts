/** Per-process self-signed TLS certificates: generation, reuse, the prestart hook and renewal. */
export {
  certificatePaths,
  ensureCertificate,
  ensureServerCertificate,
  inspectCertificate,
  SERVER_CERTIFICATE_DIR,
  SERVER_CERTIFICATE_NAME,
  type CertificateInspection,
  type CertificatePaths,
  type EnsureCertificateRequest,
  type EnsuredCertificate,
} from './cert-store.js';
export { CertRenewer, type CertRenewerOptions } from './cert-renewer.js';
export {
  CERTIFICATES_HOOK_NAME,
  createCertificatesHook,
  type CertificatesHookOptions,
} from './certs.hook.js';
export { keyAlgorithmFor, type KeyAlgorithm } from './key-algorithm.js';
export { decideRenewal, type RenewalDecision, type RenewalInput } from './renewal.js';
export {
  generateSelfSignedCertificate,
  type CertificateSettings,
  type SelfSignedCertificate,
} from './x509.js';
