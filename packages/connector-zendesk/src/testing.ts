/**
 * The Zendesk Support simulator, for the conformance suite and for hosts that test against Zendesk without an
 * account. It is written from Zendesk's documentation and imports nothing from the connector.
 *
 * @packageDocumentation
 */
export {
  startZendeskSimulator,
  type SimZendeskTicket,
  type ZendeskSimCredentials,
  type ZendeskSimRequestRecord,
  type ZendeskSimulator,
  type ZendeskSimulatorOptions,
  type SimWebhook,
  type SimTrigger,
} from './simulator.js';
