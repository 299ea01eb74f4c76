/**
 * The Zendesk Support simulator, for the conformance suite and for hosts that test against Zendesk without an
 * account.
 *
 * @packageDocumentation
 */
export { startZendeskSimulator, type SimZendeskTicket, type ZendeskSimRequestRecord, type ZendeskSimulator, type ZendeskSimulatorOptions, type SimWebhook, type SimTrigger } from './simulator.js';
