// Acme Desk: the kit's fictional reference platform (connector + simulator), the worked example for plugin authors.
export { acme, acmeWithOAuth, acmeOAuthCredentials, acmeCredentials, acmeRateLimit, acmeSignature, AcmeCursor, mapAcmeStatus, mapAcmePriority, normalizeAcmeTicket, type AcmeOptions } from './acme-connector.js';
export { startAcmeSimulator, ACME_MAX_PAGE_SIZE, type AcmeSimulator, type AcmeSimulatorOptions, type AcmeCredentials, type AcmeOAuthClients } from './acme-simulator.js';
export {
  AcmeTicket,
  AcmeTicketPage,
  AcmeTicketEnvelope,
  AcmeMe,
  AcmeError,
  AcmeWebhookPayload,
  ACME_STATUSES,
  ACME_PRIORITIES,
  ACME_SIGNATURE_HEADER,
  ACME_TIMESTAMP_HEADER,
} from './acme-api.js';
