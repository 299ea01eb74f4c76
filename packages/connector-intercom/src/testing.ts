/**
 * The Intercom simulator, for the conformance suite and for hosts that test against Intercom without a workspace.
 * It is written from Intercom's documentation and imports nothing from the connector.
 *
 * @packageDocumentation
 */
export * from './simulator/index.js';
