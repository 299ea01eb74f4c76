/**
 * The Zendesk Support simulator, for the conformance suite and for hosts that test against Zendesk without an
 * account. It is written from Zendesk's documentation and imports nothing from the connector.
 *
 * @packageDocumentation
 */
export {
  startZendeskSimulator,
  type SimZendeskTicket,
  type ZendeskSimAuth,
  type ZendeskSimAuthorizeRequest,
  type ZendeskSimClientKind,
  type ZendeskSimCredentialField,
  type ZendeskSimCredentials,
  type ZendeskSimCredentialsFor,
  type ZendeskSimGrantType,
  type ZendeskSimOAuthClient,
  type ZendeskSimOAuthControl,
  type ZendeskSimOAuthCredentials,
  type ZendeskSimOAuthStats,
  type ZendeskSimRequestRecord,
  type ZendeskSimulator,
  type ZendeskSimulatorOptions,
  type SimWebhook,
  type SimTrigger,
} from './simulator.js';
