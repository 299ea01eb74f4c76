/**
 * The Jira Service Management simulator, for the conformance suite and for hosts that test against Jira without a
 * site. It is written from Atlassian's documentation and imports nothing from the connector.
 *
 * @packageDocumentation
 */
export * from './simulator.js';
