/**
 * The Freshdesk simulator, for the conformance suite and for hosts that test against Freshdesk without an account.
 * It is written from Freshdesk's documentation and imports nothing from the connector.
 *
 * @packageDocumentation
 */
export {
  renderTemplate,
  startFreshdeskSimulator,
  type FreshdeskSimCredentials,
  type FreshdeskSimRequestRecord,
  type FreshdeskSimulator,
  type FreshdeskSimulatorOptions,
  type SimConversation,
  type SimFreshdeskTicket,
  type SimSecretLocation,
} from './simulator.js';
