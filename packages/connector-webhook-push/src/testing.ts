/**
 * Helpers for a host's own tests of a Webhook Push connection. (This package's tests sign with the official
 * `standardwebhooks` library instead, so the connector's verifier is checked against an independent signer.)
 */
export { standardWebhooksSignature } from './index.js';
